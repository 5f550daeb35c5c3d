"""Security scans that gate every `make test`: ruff (lint + its security rules), bandit (no medium or
high finding unless justified in place with `# nosec <id> - reason`) and pip-audit of the packaged
requirements against the advisory database.

pip-audit needs the database online. When it cannot be reached, the run says so loudly (which
dependencies went unaudited and why) instead of reporting "no known vulnerabilities".

    python -m infra.scans
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
# Everything that is deployed or runs with credentials (tests are scanned by ruff only).
BANDIT_TARGETS = ["app.py", "chalicelib", "infra", "bench"]


def _run(*args: str, timeout: int = 600) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 - fixed argument lists of the project's own tools, no shell
        list(args), cwd=ROOT, capture_output=True, text=True, timeout=timeout)


def ruff() -> bool:
    result = _run(str(BIN / "ruff"), "check", ".")
    print(f"ruff: {'clean' if result.returncode == 0 else 'FINDINGS'}")
    if result.returncode:
        print(result.stdout + result.stderr)
    return result.returncode == 0


def bandit() -> bool:
    result = _run(str(BIN / "bandit"), "-q", "-r", *BANDIT_TARGETS, "--severity-level", "medium", "-f", "json")
    report = json.loads(result.stdout or "{}")
    findings = report.get("results", [])
    for finding in findings:
        print(f"bandit: {finding['filename']}:{finding['line_number']} {finding['test_id']} "
              f"{finding['issue_severity']}: {finding['issue_text']}")
    skipped = report.get("metrics", {}).get("_totals", {}).get("skipped_tests", 0)
    print(f"bandit: {len(findings)} medium/high finding(s); {skipped} justified in place with # nosec")
    return not findings and not report.get("errors")


def audit_outcome(report: dict) -> tuple[bool, list[str]]:
    """(passed, lines to print) from pip-audit's JSON report."""
    dependencies = report.get("dependencies", [])
    vulnerable = [dep for dep in dependencies if dep.get("vulns")]
    unaudited = [dep for dep in dependencies if dep.get("skip_reason")]
    lines = [f"pip-audit: {dep['name']} {dep['version']} has {vuln['id']} "
             f"(fixed in {', '.join(vuln.get('fix_versions') or ['no release yet'])})"
             for dep in vulnerable for vuln in dep["vulns"]]
    audited = len(dependencies) - len(unaudited)
    if unaudited:
        lines.append(f"NOTICE pip-audit: the advisory database could not be reached for {len(unaudited)} of "
                     f"{len(dependencies)} dependencies; they were NOT audited: "
                     + ", ".join(dep['name'] for dep in unaudited))
    lines.append(f"pip-audit: {audited} of {len(dependencies)} dependencies audited, {len(vulnerable)} vulnerable")
    return not vulnerable, lines


def pip_audit() -> bool:
    try:
        result = _run(str(BIN / "pip-audit"), "-r", "requirements.txt", "--format", "json",
                      "--progress-spinner", "off", timeout=900)
    except subprocess.TimeoutExpired:
        print("NOTICE pip-audit: no answer from the advisory database within 15 minutes; requirements NOT audited")
        return True
    try:
        report = json.loads(result.stdout)
    except ValueError:
        # pip-audit could not even start the audit (no index, no network): say so, do not fail the build.
        reason = (result.stderr.strip().splitlines() or ["no output"])[-1]
        print(f"NOTICE pip-audit: the advisory database could not be reached ({reason}); requirements NOT audited")
        return True
    passed, lines = audit_outcome(report)
    print("\n".join(lines))
    return passed


def main() -> int:
    results = [ruff(), bandit(), pip_audit()]
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
