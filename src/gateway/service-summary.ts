/** @module gateway/service-summary — what `GET /api/services` shows of a catalog entry: enough for the composer's forms. */
import type { Service, ServiceParam } from "../rules/catalog-schema.js";

/** One parameter of a service, as a form field. */
export interface ServiceParamSummary {
  name: string;
  type: ServiceParam["type"];
  required: boolean;
  description?: string;
  /** allowed values of an `enum` */
  values?: string[];
  default?: string;
}

/** A catalog entry as the API lists it. */
export interface ServiceSummary {
  name: string;
  description?: string;
  category: Service["spec"]["category"];
  image: string;
  params: ServiceParamSummary[];
  outputExtension?: string;
  nodeSelector?: Record<string, string>;
  retries: number;
}

const CATEGORY_ORDER: Service["spec"]["category"][] = ["pre-processing", "ai", "post-processing", "other"];

/** Summarizes one service; parameters keep their order in service.yaml. */
export function summarizeService(s: Service): ServiceSummary {
  const params = Object.entries(s.spec.params).map(([name, p]) => {
    const out: ServiceParamSummary = { name, type: p.type, required: p.required };
    if (p.description !== undefined) out.description = p.description;
    if (p.values !== undefined) out.values = p.values;
    if (p.default !== undefined) out.default = p.default;
    return out;
  });
  const out: ServiceSummary = { name: s.metadata.name, category: s.spec.category, image: s.spec.image, params, retries: s.spec.retries };
  if (s.spec.description !== undefined) out.description = s.spec.description;
  if (s.spec.outputExtension !== undefined) out.outputExtension = s.spec.outputExtension;
  if (s.spec.nodeSelector !== undefined) out.nodeSelector = s.spec.nodeSelector;
  return out;
}

/** Every service, by category (pre-processing, ai, post-processing, other), then name. */
export function summarizeCatalog(catalog: Iterable<Service>): ServiceSummary[] {
  return [...catalog]
    .map(summarizeService)
    .sort((a, b) => CATEGORY_ORDER.indexOf(a.category) - CATEGORY_ORDER.indexOf(b.category) || a.name.localeCompare(b.name));
}
