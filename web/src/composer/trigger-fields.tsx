/**
 * @module web/composer/trigger-fields — the trigger part of the form: MinIO uploads (bucket, key pattern
 * or prefix/suffix, event names, camera and content-type globs, size bounds) or a webhook (hook name,
 * conditions on body fields, the buckets a body may name).
 */
import type { ApiIssue } from "../api/types.js";
import { SelectField, TextAreaField, TextField } from "../ui/field.js";
import type { Draft } from "./draft.js";
import { PATHS } from "./field-paths.js";

/** Props: the draft, a field setter and the issues by path. */
export interface TriggerFieldsProps {
  draft: Draft;
  set<K extends keyof Draft>(k: K): (v: Draft[K]) => void;
  issuesAt(path: string): readonly ApiIssue[] | undefined;
}

/** The trigger fieldset. */
export function TriggerFields({ draft, set, issuesAt }: TriggerFieldsProps) {
  const p = (k: keyof typeof PATHS) => ({ path: PATHS[k], issues: issuesAt(PATHS[k]) });
  const text = { autocomplete: "off", spellcheck: false } as const;
  return (
    <fieldset>
      <legend>Trigger</legend>
      <div class="grid-2">
        <SelectField
          label="Source"
          {...p("source")}
          value={draft.source}
          options={[
            ["minio", "MinIO uploads"],
            ["webhook", "Webhook (POST /hooks/<name>)"],
          ]}
          onValue={(v) => set("source")(v === "webhook" ? "webhook" : "minio")}
        />
      </div>
      {draft.source === "webhook" ? (
        <div class="grid-2">
          <TextField label="Hook name" {...p("hook")} help="Integrations POST to /hooks/<name>; its secret is in FRAMEGATE_HOOK_SECRETS." value={draft.hook} {...text} onValue={set("hook")} />
          <TextField label="Buckets a body may name" {...p("buckets")} help="Comma-separated. Empty: the buckets of the MinIO rules, and models." value={draft.buckets} {...text} onValue={set("buckets")} />
          <TextAreaField label="Body field conditions" {...p("fields")} rows={3} placeholder="camera = gate-*, yard-*" help="One per line: a dot path into the JSON body = globs its value must match one of." value={draft.fields} onValue={set("fields")} />
        </div>
      ) : (
        <div class="grid-2">
          <TextField label="Bucket" {...p("bucket")} value={draft.bucket} {...text} onValue={set("bucket")} />
          <TextField
            label="Key pattern"
            {...p("key")}
            help={
              <>
                <code>{"{camera}"}</code> captures one path segment, <code>*</code> matches within a segment, <code>**</code> any number of segments. Or leave it empty and use prefix/suffix.
              </>
            }
            value={draft.key}
            {...text}
            onValue={set("key")}
          />
          <TextField label="Key prefix" {...p("prefix")} value={draft.prefix} {...text} onValue={set("prefix")} />
          <TextField label="Key suffix" {...p("suffix")} value={draft.suffix} {...text} onValue={set("suffix")} />
          <TextField label="Cameras" {...p("cameras")} help="Comma-separated globs on the camera id, e.g. gate-*, lobby-1. Empty: every camera." value={draft.cameras} {...text} onValue={set("cameras")} />
          <TextField label="Content types" {...p("contentType")} help="Comma-separated, e.g. image/*. Empty: any." value={draft.contentType} {...text} onValue={set("contentType")} />
          <TextField label="Object metadata" {...p("objectMetadata")} placeholder="motion=true" help="User metadata the object must carry, key=value, comma-separated (x-amz-meta- and case ignored)." value={draft.objectMetadata} {...text} onValue={set("objectMetadata")} />
          <TextField label="Events" {...p("events")} placeholder="object creations" help="Comma-separated MinIO event names, e.g. s3:ObjectCreated:Put." value={draft.events} {...text} onValue={set("events")} />
          <div class="grid-2">
            <TextField label="Min size (bytes)" {...p("minSize")} inputMode="numeric" value={draft.minSize} onValue={set("minSize")} />
            <TextField label="Max size (bytes)" {...p("maxSize")} inputMode="numeric" value={draft.maxSize} onValue={set("maxSize")} />
          </div>
        </div>
      )}
    </fieldset>
  );
}
