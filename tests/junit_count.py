"""Prints "PASSED FAILED" counted from a pytest --junitxml file (skips are
neither); "0 1" when the file is missing or unreadable, so that a run that
died before writing it counts as a failure. Used by tests/run_all.sh and
tests/sanitize/run.sh."""
import sys
import xml.etree.ElementTree as ET

try:
    root = ET.parse(sys.argv[1]).getroot()
except Exception:
    print(0, 1)
    sys.exit()
suites = [root] if root.tag == "testsuite" else list(root)
total = sum(int(s.get("tests", 0)) for s in suites)
bad = sum(int(s.get("failures", 0)) + int(s.get("errors", 0)) for s in suites)
skipped = sum(int(s.get("skipped", 0)) for s in suites)
print(total - bad - skipped, bad)
