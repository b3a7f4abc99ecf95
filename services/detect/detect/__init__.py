"""framegate's detect service: find people (or other objects) in frames, write an annotated image and a JSON sidecar.

Run it as ``python -m detect``; everything it needs comes from the environment (see services/README.md).
"""

__version__ = "0.1.0"
