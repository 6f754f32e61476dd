"""Where the shared real-world samples are: `shared/samples` beside the repository."""

from pathlib import Path

SAMPLES = Path(__file__).resolve().parents[2].parent / "shared" / "samples"
PUBLICCODE = SAMPLES / "publiccode"
PARSER_TESTDATA = PUBLICCODE / "parser-testdata"
OCDS = SAMPLES / "ocds"
ORGIDS = SAMPLES / "orgids"
