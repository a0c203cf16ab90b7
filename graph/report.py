"""The discrepancy report: where the task list and the narrative disagree, and what was repaired."""

from __future__ import annotations

from pilotkg.loaders.model import Plan

SECTIONS = (
    ("wording", "Wording that differs from the narrative"),
    ("repeat", "Tasks that repeat one another"),
    ("layout", "Layout repaired by following the narrative"),
    ("uncovered", "Narrative sentences no task carries"),
    ("missing", "What the copy does not print (left out of the graph)"),
    ("reader", "What the reader repaired or skipped"),
)


def discrepancy_report(plans: list[Plan]) -> str:
    """Markdown, one section per plan; stable order so that builds stay byte-identical."""
    return report_of_sections([plan_section(plan) for plan in plans])


def report_of_sections(sections: list[str]) -> str:
    """The report from the plans' sections (a build writes each section where it reads the plan)."""
    return "\n".join(["# Discrepancy report", "", *sections])


def plan_section(plan: Plan) -> str:
    """One plan's part of the report."""
    out = [f"## {plan.slug}: {plan.title.text} ({plan.source.name})", ""]
    if not plan.findings:
        out += ["No discrepancies.", ""]
    for kind, heading in SECTIONS:
        findings = [f for f in plan.findings if f.kind == kind]
        if not findings:
            continue
        out += [f"### {heading} ({len(findings)})", ""]
        for finding in findings:
            out.append(f"- **{finding.subject}**: {finding.message}")
            out += [f"    - {line}" for line in finding.details]
        out.append("")
    return "\n".join(out)
