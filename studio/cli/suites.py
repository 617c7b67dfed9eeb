"""Commands for test suites: list, run (with the publish gate), export, import."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from studio.chat.protocol import ChatBackend
from studio.chat.providers import make_backend
from studio.chat.simulator import SimulatorBackend
from studio.cli.common import app, database, fail, run, version_number
from studio.compare import gate, suites, variants
from studio.compare import junit as suite_junit
from studio.compare import runs as suite_runs
from studio.core.config import get_settings
from studio.core.db import session_scope
from studio.core.errors import InvalidInput, StudioError
from studio.design import assistants
from studio.knowledge.store import open_store

# --------------------------------------------------------------------------- suites

suite_app = typer.Typer(help="Test suites: list, run (with the publish gate), export, import.")
app.add_typer(suite_app, name="suite")
EXIT_GATE = 3  # the suite ran, and the gate says the version must not be published


@suite_app.command("list")
def suite_list(
    assistant: Annotated[str, typer.Argument(help="The assistant's name or id.")],
) -> None:
    """List the assistant's suites with their case counts."""
    with database() as engine, session_scope(engine) as session:
        found = run(lambda: assistants.find_assistant(session=session, reference=assistant))
        items = suites.list_suites(session=session, assistant_id=found.id)
    if not items:
        typer.echo(f'"{found.name}" has no suites yet.', err=True)
    for item in items:
        typer.echo(f"{item.name}\t{item.case_count} case(s)")


def _suite_backend() -> ChatBackend:
    settings = get_settings()
    if not settings.llm_base_url:
        return SimulatorBackend()
    return run(
        lambda: make_backend(
            preset="custom",
            base_url=settings.llm_base_url,
            max_retries=settings.llm_max_retries,
            request_timeout_s=settings.llm_timeout_s,
        )
    )


@suite_app.command("run")
def suite_run(
    assistant: Annotated[str, typer.Argument(help="The assistant's name or id.")],
    suite: Annotated[str, typer.Option("--suite", "-s", help="The suite's name.")],
    version: Annotated[
        str, typer.Option("--version", "-v", help='A version number, or "draft".')
    ] = "draft",
    against: Annotated[
        str | None, typer.Option("--against", help='"published": also run the published version.')
    ] = None,
    junit: Annotated[
        Path | None, typer.Option("--junit", help="Write the results as JUnit XML to this file.")
    ] = None,
    concurrency: Annotated[int, typer.Option(min=1, max=16, help="Cases at a time.")] = 4,
) -> None:
    """Run a suite on a version (or the draft); exit 3 when the publish gate fails.

    The gate is the assistant's (Prompt & versions); without one, every case must pass and no
    case that passes on the published version may fail.
    """
    number = version_number(version)
    if against not in (None, "published"):
        fail(InvalidInput('--against takes "published" (the version customers see).'))
    settings = get_settings()
    backend = _suite_backend()
    with database() as engine:
        store = run(lambda: open_store(settings))
        with session_scope(engine) as session:
            found = run(lambda: assistants.find_assistant(session=session, reference=assistant))
            detail = run(
                lambda: suites.find_suite(session=session, assistant_id=found.id, name=suite)
            )
            specs = [variants.VariantSpec(assistant_id=found.id, version=number)]
            if against == "published":
                if found.published_version is None:
                    fail(StudioError(f'"{found.name}" has no published version to compare with.'))
                specs.append(
                    variants.VariantSpec(assistant_id=found.id, version=found.published_version)
                )
            try:
                chosen = [variants.resolve_variant(session=session, spec=s) for s in specs]
            except StudioError as error:
                fail(error)
            gate_settings = gate.get_gate(session=session, assistant_id=found.id)
        if not gate_settings.enabled:
            gate_settings = gate.GateSettings(enabled=True, min_pass_rate=100.0)
        done = run(
            lambda: suite_runs.run_suite(
                engine=engine,
                backend=backend,
                suite=detail,
                variants=chosen,
                store=store,
                concurrency=concurrency,
                model=settings.llm_model,
            )
        )
    for result in done:
        rate = "n/a" if result.pass_rate is None else f"{result.pass_rate:.0f}%"
        typer.echo(
            f"{result.variant_label}: {result.passed}/{result.total_cases} passed ({rate}), "
            f"{result.failed} failed, {result.errored} error(s)"
        )
        for outcome in result.results:
            if outcome.outcome != "passed":
                typer.echo(f"  {outcome.outcome.upper()} {outcome.case_name}: {outcome.reason}")
    if junit is not None:
        junit.write_text(suite_junit.runs_junit(done, suite_name=detail.name), encoding="utf-8")
    verdict = gate.judge(done[0], done[1] if len(done) > 1 else None, gate_settings)
    if not verdict.passed:
        typer.echo("gate failed: " + "; ".join(verdict.reasons), err=True)
        raise typer.Exit(EXIT_GATE)
    typer.echo("gate passed")


@suite_app.command("export")
def suite_export(
    assistant: Annotated[str, typer.Argument(help="The assistant's name or id.")],
    suite: Annotated[str, typer.Option("--suite", "-s", help="The suite's name.")],
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file (default: stdout).")
    ] = None,
) -> None:
    """Export a suite as YAML."""
    with database() as engine, session_scope(engine) as session:
        found = run(lambda: assistants.find_assistant(session=session, reference=assistant))
        detail = run(lambda: suites.find_suite(session=session, assistant_id=found.id, name=suite))
    text = suites.suite_yaml(detail)
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")


@suite_app.command("import")
def suite_import(
    assistant: Annotated[str, typer.Argument(help="The assistant's name or id.")],
    file: Annotated[Path, typer.Argument(help="A suite YAML file.")],
) -> None:
    """Create a suite from YAML (checked against the assistant's draft)."""
    try:
        content = file.read_bytes()
    except OSError as exc:
        fail(InvalidInput(f"Cannot read {file}: {exc.strerror or exc}."))
    parsed = run(lambda: suites.parse_suite_yaml(content))
    with database() as engine, session_scope(engine) as session:
        found = run(lambda: assistants.find_assistant(session=session, reference=assistant))
        draft = assistants.get_assistant(session=session, assistant_id=found.id).draft
        saved = run(
            lambda: suites.save_suite(
                session=session,
                assistant_id=found.id,
                name=parsed.name,
                description=parsed.description,
                cases=parsed.cases,
                config=draft,
            )
        )
    typer.echo(f'Imported suite "{saved.name}" ({saved.case_count} case(s)).')
