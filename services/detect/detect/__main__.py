"""Entry point: ``python -m detect``. Reads the contract and parameters from the environment, runs, and
exits 0 (ok), 2 (bad input: not retried) or 1 (a retry may help)."""

import os
import sys

from .contract import read_contract
from .errors import EXIT_BAD_INPUT, EXIT_RETRY, BadInput
from .log import Logger
from .params import read_params


def main() -> int:
    log = Logger({k: os.environ.get(f"FRAMEGATE_{k.upper()}", "") for k in ("pipeline", "step", "camera")})
    try:
        contract = read_contract(os.environ)
        params = read_params(os.environ)
    except BadInput as e:
        log.error(f"bad configuration: {str(e).replace(chr(10), '; ')}", problems=str(e).splitlines())
        return EXIT_BAD_INPUT
    # OpenCV's own pixel cap, read once when it first decodes: covers the formats limits.probe_size
    # does not know (TIFF, ...). Set before OpenCV is imported.
    os.environ["CV_IO_MAX_IMAGE_PIXELS"] = str(params.max_pixels)
    try:
        # imported here so a broken OpenCV install is reported as a log line and a retriable exit
        from .run import run
        from .store import MinioStore

        log.info("starting", objects=len(contract.input_keys), model=params.model or "opencv-hog-people")
        return run(MinioStore(contract.minio), contract, params, log)
    except Exception as e:  # noqa: BLE001
        log.error(f"unexpected failure: {type(e).__name__}: {e}", retriable=True)
        return EXIT_RETRY


if __name__ == "__main__":
    sys.exit(main())
