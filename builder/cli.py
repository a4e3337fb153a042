"""The `fiches` command line: French messages; exit 0 ok, 1 content or build errors, 2 usage."""

from __future__ import annotations

import argparse
import sys
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from builder.errors import BuildError, ContentError, Report, oserror_fr, plural, shown

if TYPE_CHECKING:  # the commands import what they use when they run
    pass

EXIT_OK, EXIT_CONTENT, EXIT_USAGE = 0, 1, 2

_ARGPARSE_FR = {
    "usage: ": "utilisation : ",
    "positional arguments": "arguments",
    "options": "options",
    "show this help message and exit": "affiche cette aide et quitte",
    "the following arguments are required: %s": "arguments obligatoires manquants : %s",
    "unrecognized arguments: %s": "arguments inconnus : %s",
    "invalid choice: %(value)r (choose from %(choices)s)": "choix invalide : %(value)r (possibles : %(choices)s)",
    "argument %(argument_name)s: %(message)s": "argument %(argument_name)s : %(message)s",
    "expected one argument": "une valeur attendue",
    "%(prog)s: error: %(message)s\n": "%(prog)s : erreur : %(message)s\n",
}


@contextmanager
def _french_argparse() -> Iterator[None]:
    """argparse's own words (usage, errors, help) in French while the command line is parsed, and only then:
    importing fiches changes nothing in the process."""
    # (the ignores: `argparse._`, its gettext, is private and its stubs do not declare it)
    english = argparse._  # type: ignore[attr-defined]
    argparse._ = lambda text: _ARGPARSE_FR.get(text, text)  # type: ignore[attr-defined]
    try:
        yield
    finally:
        argparse._ = english  # type: ignore[attr-defined]


def print_report(report: Report, stream: TextIO | None = None) -> None:
    """Errors, then warnings, one line each."""
    stream = stream or sys.stdout
    for problem in report.errors:
        print(f"{problem}", file=stream)
    for problem in report.warnings:
        print(f"{problem} [avertissement]", file=stream)


def summary(n_fiches: int, report: Report) -> str:
    return (
        f"{plural(n_fiches, 'fiche')}, {plural(len(report.errors), 'erreur')}, "
        f"{plural(len(report.warnings), 'avertissement')}"
    )


# --- commands -----------------------------------------------------------------------------------


def cmd_check(args: argparse.Namespace) -> int:
    from builder.project import check_content

    report = Report()
    n_fiches = check_content(args.content, report)
    report = report.sorted()
    print_report(report)
    print(summary(n_fiches, report))
    if report.failed(args.strict):
        if not report.errors:
            print("Échec : --strict transforme les avertissements en erreurs.")
        return EXIT_CONTENT
    return EXIT_OK


def cmd_stats(args: argparse.Namespace) -> int:
    from builder.commands.stats import render_stats
    from builder.project import load_projet

    projet = load_projet(args.content, history=False, bilan=False)  # the table shows neither
    print(shown(render_stats(projet), newlines=True))
    return EXIT_OK


def cmd_new(args: argparse.Namespace) -> int:
    from builder.commands.new import new_fiche

    path = new_fiche(args.content, args.id, args.titre, args.pilote)
    print(f"Fiche créée : {shown(path)}")
    return EXIT_OK


def cmd_init(args: argparse.Namespace) -> int:
    from builder.commands.scaffold import init_project

    written = init_project(args.dossier, demo=args.demo, collectivite=args.collectivite, site_url=args.site_url)
    print(f"Projet créé dans {args.dossier}/ ({plural(len(written), 'fichier')}). Pour commencer :")
    print(f"  cd {args.dossier}")
    print('  git init && git add . && git commit -m "Projet d\'administration"')
    print("  fiches check && fiches build")
    return EXIT_OK


def cmd_schema(args: argparse.Namespace) -> int:
    from builder.content.schema import write_schemas

    for path in write_schemas(args.out):
        print(f"Schéma écrit : {path}")
    return EXIT_OK


def cmd_build(args: argparse.Namespace) -> int:
    from builder.build import build

    build(args.content, args.out, only=args.only, strict=args.strict)
    return EXIT_OK


def cmd_pdf(args: argparse.Namespace) -> int:
    from builder.build import build_pdf

    path = build_pdf(args.kind, args.content, args.output, args.id)
    print(f"PDF écrit : {path}")
    return EXIT_OK


def cmd_preflight(args: argparse.Namespace) -> int:
    from builder.outputs.pdf.check import PdfUnreadable, check_pdf, describe

    try:
        problems = check_pdf(args.file, print_shop=not args.accessibilite, ua=True if args.accessibilite else None)
        summary_line = describe(args.file)
    except PdfUnreadable as exc:
        raise BuildError(str(exc)) from None
    name = args.file.name
    for problem in problems:
        print(f"{name} : {problem}")
    what = "l'accessibilité (PDF/UA-1)" if args.accessibilite else "l'impression"
    if problems:
        print(f"{plural(len(problems), 'problème')} : {name} n'est pas prêt pour {what}.")
        return EXIT_CONTENT
    print(f"{name} : prêt pour {what} ({summary_line}).")
    return EXIT_OK


def cmd_serve(args: argparse.Namespace) -> int:
    from builder.commands.serve import serve

    serve(args.content, args.port, debug=args.debug, commit=args.commit, pdf=args.pdf)
    return EXIT_OK


def cmd_cms_config(args: argparse.Namespace) -> int:
    from builder.cms.config import cms_config, config_yaml, forge_settings
    from builder.settings import read_settings

    forge = None
    if args.forge:
        settings = read_settings(args.content)
        forge = forge_settings(settings.identity, args.content, settings.root)
        if forge is None:
            raise BuildError("l'éditeur en ligne n'est pas configuré : ajoutez extra.cms à mkdocs.yml (voir le README)")
    sys.stdout.write(config_yaml(cms_config(args.content, forge)))
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    from builder.outputs.data.export import export_command
    from builder.settings import read_settings

    return export_command(args.content, args.format, args.output, read_settings(args.content).site_url)


def cmd_import(args: argparse.Namespace) -> int:
    from builder.commands.importing import import_command

    return import_command(args.file, args.content, args.force)


def cmd_bilan(args: argparse.Namespace) -> int:
    from builder.living.bilan import bilan_command

    return bilan_command(args.content, args.depuis, args.jusqua, args.output)


def cmd_relances(args: argparse.Namespace) -> int:
    from builder.living.relances import relances_command
    from builder.settings import read_settings

    return relances_command(
        args.content,
        args.date,
        args.direction,
        args.format,
        args.output,
        args.exit_code,
        read_settings(args.content).site_url,
    )


# --- parser -------------------------------------------------------------------------------------


def _content_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--content",
        type=Path,
        default=Path("content"),
        metavar="DOSSIER",
        help="dossier du contenu (défaut : ./content)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="fiches", description="Publie le projet d'administration : vérification, site intranet, PDF."
    )
    parser.add_argument("--debug", action="store_true", help="affiche la trace Python en cas d'erreur")
    sub = parser.add_subparsers(dest="command", metavar="COMMANDE", title="commandes")
    sub.required = True
    commands: list[tuple[str, str, Callable]] = [
        ("init", "crée le dépôt d'un nouveau plan (contenu de départ, site, intégration continue)", cmd_init),
        ("check", "vérifie le contenu (plan.yml et fiches)", cmd_check),
        ("new", "crée une nouvelle fiche-action", cmd_new),
        ("schema", "régénère les schémas JSON du dossier schema/", cmd_schema),
        ("stats", "tableau des fiches par axe et par statut", cmd_stats),
        ("build", "construit le site intranet et les PDF", cmd_build),
        ("serve", "aperçu en direct du site, reconstruit à chaque modification, et l'éditeur /admin/", cmd_serve),
        ("pdf", "produit un seul PDF (plan, brochure ou une fiche)", cmd_pdf),
        ("preflight", "contrôle un PDF comme un imprimeur (ou son accessibilité)", cmd_preflight),
        ("export", "exporte les données du plan (CSV, Excel, JSON, iCalendar)", cmd_export),
        ("import", "crée des fiches depuis un tableur (XLSX ou CSV)", cmd_import),
        ("bilan", "bilan des changements entre deux états du plan (Markdown)", cmd_bilan),
        ("relances", "fiches à mettre à jour, par direction pilote (texte, CSV ou messages .eml)", cmd_relances),
        ("cms-config", "affiche la configuration de l'éditeur /admin/ (Decap CMS), générée du plan", cmd_cms_config),
    ]
    parsers = {}
    for name, help_text, func in commands:
        p = sub.add_parser(name, help=help_text, description=help_text[0].upper() + help_text[1:] + ".")
        p.set_defaults(func=func)
        if name != "init":  # init creates the project, content folder included
            _content_option(p)
        p.add_argument(
            "--debug", action="store_true", default=argparse.SUPPRESS, help="affiche la trace Python en cas d'erreur"
        )
        parsers[name] = p
    parsers["init"].add_argument(
        "dossier", type=Path, metavar="DOSSIER", help="dossier du nouveau projet (absent ou vide)"
    )
    parsers["init"].add_argument(
        "--demo", action="store_true", help="le plan de démonstration (50 fiches) au lieu du plan de départ"
    )
    parsers["init"].add_argument("--collectivite", metavar="NOM", help="nom de la collectivité (nom du site)")
    parsers["init"].add_argument("--site-url", metavar="URL", help="adresse du site sur l'intranet (site_url)")
    parsers["check"].add_argument("--strict", action="store_true", help="les avertissements deviennent des erreurs")
    parsers["new"].add_argument("id", metavar="ID", help="numéro de la fiche, ex. 2.3.4")
    parsers["new"].add_argument("titre", metavar="TITRE", help="intitulé de l'action, entre guillemets")
    parsers["new"].add_argument("--pilote", metavar="CODE", help="code de la direction pilote")
    parsers["schema"].add_argument(
        "--out", type=Path, default=Path("schema"), metavar="DOSSIER", help="dossier de sortie (défaut : ./schema)"
    )
    parsers["build"].add_argument(
        "--out", type=Path, default=Path("site"), metavar="DOSSIER", help="dossier de sortie (défaut : ./site)"
    )
    parsers["build"].add_argument(
        "--only",
        action="append",
        choices=["site", "plan", "brochure"],
        help="ne construit que cette partie (option répétable)",
    )
    parsers["build"].add_argument("--strict", action="store_true", help="les avertissements deviennent des erreurs")
    parsers["pdf"].add_argument(
        "kind", choices=["plan", "brochure", "fiche"], metavar="plan|brochure|fiche", help="le PDF à produire"
    )
    parsers["pdf"].add_argument("id", nargs="?", metavar="ID", help="numéro de la fiche (avec « fiche »), ex. 2.3.1")
    parsers["pdf"].add_argument("-o", "--output", type=Path, metavar="FICHIER", help="fichier PDF de sortie")
    parsers["preflight"].add_argument("file", type=Path, metavar="FICHIER.pdf", help="le PDF à contrôler")
    parsers["preflight"].add_argument(
        "--accessibilite",
        action="store_true",
        help="contrôle PDF/UA-1 (accessibilité) au lieu du contrôle d'impression",
    )
    parsers["serve"].add_argument("--port", type=int, default=8000, help="port local (défaut : 8000)")
    parsers["serve"].add_argument(
        "--commit", action="store_true", help="chaque enregistrement depuis l'éditeur /admin/ devient un commit git"
    )
    parsers["serve"].add_argument(
        "--pdf",
        action="store_true",
        help="tient à jour le PDF du plan et ceux des fiches, en arrière-plan après le site",
    )
    parsers["cms-config"].add_argument(
        "--forge", action="store_true", help="la configuration publiée par fiches build (extra.cms de mkdocs.yml)"
    )
    parsers["export"].add_argument(
        "--format", required=True, choices=["csv", "csv-excel", "xlsx", "json", "ics"], help="format d'export"
    )
    parsers["export"].add_argument(
        "-o",
        "--output",
        type=Path,
        metavar="FICHIER",
        help="fichier de sortie (défaut : sortie standard pour les formats texte)",
    )
    parsers["import"].add_argument("file", type=Path, metavar="FICHIER", help="tableur .xlsx ou .csv")
    parsers["import"].add_argument("--force", action="store_true", help="remplace les fiches existantes")
    parsers["bilan"].add_argument("--depuis", metavar="REV|DATE", help="début (défaut : 1er janvier de l'édition)")
    parsers["bilan"].add_argument("--jusqua", metavar="REV|DATE", help="fin (défaut : maintenant)")
    parsers["bilan"].add_argument("-o", "--output", type=Path, metavar="FICHIER", help="fichier Markdown de sortie")
    _relances_options(parsers["relances"])
    return parser


def _relances_options(p: argparse.ArgumentParser) -> None:
    from builder.living.relances import parse_day

    p.add_argument("--direction", metavar="CODE", help="une seule direction pilote (code de plan.yml)")
    p.add_argument(
        "--format",
        default="texte",
        choices=["texte", "csv", "eml"],
        help="texte (défaut), csv, ou eml : un message par direction qui a une adresse « contact »",
    )
    p.add_argument("--date", type=parse_day, metavar="AAAA-MM-JJ", help="jour de référence (défaut : aujourd'hui)")
    p.add_argument(
        "-o",
        "--output",
        type=Path,
        metavar="CHEMIN",
        help="fichier de sortie (défaut : sortie standard) ; avec --format eml, dossier (défaut : relances)",
    )
    p.add_argument(
        "--exit-code",
        action="store_true",
        help="code de sortie 1 quand une fiche demande une relance (pour l'intégration continue)",
    )


def main(argv: list[str] | None = None) -> int:
    with _french_argparse():
        parser = build_parser()
        args = parser.parse_args(argv)
    try:
        return args.func(args)
    except ContentError as exc:  # on standard error: standard output may be data (`fiches export > x.csv`)
        print_report(exc.report, sys.stderr)
        print(f"{plural(len(exc.report.errors), 'erreur')} dans le contenu : rien n'a été produit.", file=sys.stderr)
        if args.debug:
            traceback.print_exc()
        return EXIT_CONTENT
    except BuildError as exc:
        print(f"Erreur : {shown(exc, newlines=True)}", file=sys.stderr)
        if args.debug:
            traceback.print_exc()
        return EXIT_CONTENT
    except OSError as exc:  # a file that cannot be read or written (-o in a missing folder, a full disk…)
        print(f"Erreur : {oserror_fr(exc)}", file=sys.stderr)
        if args.debug:
            traceback.print_exc()
        return EXIT_CONTENT
    except KeyboardInterrupt:
        print("Interrompu.", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug of fiches, not of the content: say so, in one line
        if args.debug:
            traceback.print_exc()
        else:
            print(
                f"Erreur interne de fiches ({type(exc).__name__} : {shown(exc)}) ; relancez la commande avec --debug "
                "pour afficher les détails, et signalez-la à l'équipe qui maintient l'outil.",
                file=sys.stderr,
            )
        return EXIT_CONTENT
