"""Synthetic plans for benchmarks: N valid fiches with realistic fields and ~300-word bodies.

python benchmarks/synth.py OUT_DIR N   # writes OUT_DIR/plan.yml and OUT_DIR/fiches/*.md
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

WORDS = (
    "agents service public collectivité direction projet action démarche usagers qualité numérique "
    "formation accompagnement management transversalité coopération pilotage évaluation indicateur "
    "budget calendrier comité instance dialogue social accueil simplification procédure outil "
    "partage information confiance responsabilité innovation écologie sobriété achat mutualisation "
    "recrutement parcours compétences santé travail prévention égalité handicap territoire"
).split()
STATUTS = ("a_venir", "en_cours", "en_cours", "en_cours", "realisee", "en_pause", "bloquee", "abandonnee")
THEMES = (
    "management",
    "numérique",
    "formation",
    "qualité de vie au travail",
    "relation usagers",
    "transition écologique",
    "finances",
    "recrutement",
    "égalité",
    "simplification",
)
DIRECTIONS = ("DG", "DRH", "DSI", "DFIN", "DCOM", "DAJ", "DPAT", "DSOL")
N_AXES, N_OBJ = 4, 5


def _sentence(rng: random.Random, n: int) -> str:
    words = [rng.choice(WORDS) for _ in range(n)]
    return " ".join(words).capitalize() + "."


def _body(rng: random.Random) -> str:
    parts = []
    for title in ("Contexte", "Description", "Résultat attendu", "Changements induits"):
        parts.append(f"## {title}\n\n" + " ".join(_sentence(rng, 15) for _ in range(5)))
    parts.insert(2, "- " + _sentence(rng, 8) + "\n- " + _sentence(rng, 8) + "\n- " + _sentence(rng, 8))
    return "\n\n".join(parts) + "\n"


def plan_yaml() -> str:
    lines = [
        "titre: Projet d'administration synthétique",
        "collectivite: Collectivité de test",
        "periode: {debut: 2024, fin: 2029}",
        "edition: 2026",
        "date_situation: 2026-10-15",
        "edito: |",
        "  Un plan généré pour mesurer la vitesse des outils.",
        "directions:",
    ]
    lines += [f"  - {{code: {d}, nom: Direction {d}}}" for d in DIRECTIONS]
    lines += ["collectivites:", "  - {code: VILLE, nom: Ville}", "  - {code: AGGLO, nom: Agglomération}", "axes:"]
    colours = ("#1d5fa8", "#7a3e9d", "#17753a", "#a23b2a")
    for a in range(1, N_AXES + 1):
        lines += [
            f'  - numero: "{a}"',
            f"    titre: Axe stratégique {a}",
            f'    couleur: "{colours[a - 1]}"',
            "    objectifs:",
        ]
        lines += [f'      - {{numero: "{a}.{o}", titre: Objectif {a}.{o}}}' for o in range(1, N_OBJ + 1)]
    return "\n".join(lines) + "\n"


def fiche_text(rng: random.Random, fiche_id: str) -> str:
    statut = rng.choice(STATUTS)
    avancement = {"a_venir": 0, "realisee": 100}.get(statut, rng.randrange(5, 95, 5))
    start = rng.randint(2024, 2026)
    lines = [
        "---",
        f'id: "{fiche_id}"',
        f"titre: {_sentence(rng, 6)[:-1]}",
        f'resume: "{_sentence(rng, 14)}"',
        f"statut: {statut}",
        f"avancement: {avancement}",
        f"prioritaire: {rng.random() < 0.25}".lower(),
        f"pilote: {rng.choice(DIRECTIONS)}",
        f"contributeurs: [{', '.join(rng.sample(DIRECTIONS, 2))}]",
        "referent: Chef de projet",
        f"calendrier: {{debut: {start}-0{rng.randint(1, 9)}, fin: {start + 2}-06}}",
        "jalons:",
    ]
    for j in range(3):
        lines += [
            f"  - date: {start + j}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}",
            f"    libelle: {_sentence(rng, 5)[:-1]}",
            f"    fait: {j == 0}".lower(),
        ]
    lines += [
        "indicateurs:",
        "  - nom: Taux de réalisation",
        "    type: activite",
        '    unite: "%"',
        "    valeur_initiale: 10",
        "    cible: 90",
        "    mesures:",
    ]
    lines += [f"      - {{date: {2024 + m}-06, valeur: {10 + 20 * m + rng.randint(0, 9)}}}" for m in range(3)]
    lines += [
        f"budget: {rng.randint(1, 90) * 1000}",
        f"etp: {rng.choice(['0.5', '1', '1.5'])}",
        f"themes: [{', '.join(rng.sample(THEMES, 3))}]",
        "suivi:",
    ]
    for s in range(2):
        lines += [f"  - date: 2025-0{rng.randint(1, 9)}-1{s}", f"    texte: {_sentence(rng, 12)}"]
    lines += ["---", "", _body(rng)]
    return "\n".join(lines)


def fiche_ids(n: int) -> list[str]:
    per_objectif = -(-n // (N_AXES * N_OBJ))
    ids = [
        f"{a}.{o}.{k}" for a in range(1, N_AXES + 1) for o in range(1, N_OBJ + 1) for k in range(1, per_objectif + 1)
    ]
    # spread over every objectif, so no objectif is left without a fiche
    ids.sort(key=lambda i: (int(i.split(".")[2]), tuple(int(p) for p in i.split("."))))
    return ids[:n]


def write_plan(root: Path, n: int, seed: int = 0) -> Path:
    """Write a valid content directory of `n` fiches into `root`."""
    rng = random.Random(seed)
    (root / "fiches").mkdir(parents=True, exist_ok=True)
    (root / "plan.yml").write_text(plan_yaml(), encoding="utf-8")
    for fiche_id in fiche_ids(n):
        (root / "fiches" / f"{fiche_id}-action.md").write_text(fiche_text(rng, fiche_id), encoding="utf-8")
    return root


if __name__ == "__main__":
    write_plan(Path(sys.argv[1]), int(sys.argv[2]))
