"""Where the fixture zones are and how to hand them to dkimscope or unbound."""
import os

import dkstest

ZONE_DIR = os.path.join(dkstest.FIXTURES, "zones")


def zone_files():
    return sorted(os.path.join(ZONE_DIR, n) for n in os.listdir(ZONE_DIR) if n.endswith(".zone"))


def zone_args():
    args = []
    for path in zone_files():
        args += ["--dns-zone", path]
    return args


def zone_pairs():
    """(zone name, path): the name is the file name without .zone."""
    return [(os.path.basename(p)[:-len(".zone")] + ".", p) for p in zone_files()]


def fixture_rows():
    return dkstest.read_tsv(os.path.join(dkstest.FIXTURES, "expected.tsv"))
