"""Tagged PDFs put end to end into one tagged PDF (pikepdf): the building block of a plan assembled from parts.

The plan PDF is assembled with it from its parts (`builder.outputs.pdf.parts`). What it keeps of its parts, so that the
result stays PDF/UA-1 by the project's checks (`builder.outputs.pdf.check`):

- the pages, in order, with their content streams untouched: marked-content ids are numbered per page, so they stay
  valid as they are;
- one structure tree: a new `Document` element whose kids are the kids of each part's `Document`, in order;
- one parent tree: each part's keys shifted past the previous parts' keys, and each page's `/StructParents` and
  each annotation's `/StructParent` shifted the same way;
- the named destinations of every part (internal links keep landing on their targets' pages), the bookmarks of
  every part one after the other, the language, the title shown, the XMP metadata of the first part.

Fonts: each part keeps its own subset of a font; the same font is embedded once per part that uses it.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from builder.outputs.pdf.fonts import share_fonts


def _copy(out: Any, value: Any) -> Any:
    """`value` of another PDF in `out`: indirect objects through pikepdf's copier (one copy per object, pages
    included), direct arrays and dictionaries item by item."""
    import pikepdf

    if isinstance(value, pikepdf.Object) and value.is_indirect:
        return out.copy_foreign(value)
    if isinstance(value, pikepdf.Array):
        return pikepdf.Array([_copy(out, item) for item in value])
    if isinstance(value, pikepdf.Dictionary):
        return pikepdf.Dictionary({key: _copy(out, item) for key, item in value.items()})
    return value


def _kids(value: Any) -> list[Any]:
    import pikepdf

    if value is None:
        return []
    if isinstance(value, pikepdf.Array):
        return list(value)
    return [value]


def _nums(tree: Any) -> list[tuple[int, Any]]:
    """The (key, value) pairs of a number tree, flat or with `/Kids`."""
    pairs: list[tuple[int, Any]] = []
    if "/Nums" in tree:
        nums = tree.Nums
        pairs += [(int(nums[i]), nums[i + 1]) for i in range(0, len(nums) - 1, 2)]
    for kid in tree.get("/Kids", []):
        pairs += _nums(kid)
    return pairs


def _names(tree: Any) -> list[tuple[str, Any]]:
    """The (name, value) pairs of a name tree, flat or with `/Kids`."""
    pairs: list[tuple[str, Any]] = []
    if "/Names" in tree:
        names = tree.Names
        pairs += [(str(names[i]), names[i + 1]) for i in range(0, len(names) - 1, 2)]
    for kid in tree.get("/Kids", []):
        pairs += _names(kid)
    return pairs


def _outline(items: Any) -> list[tuple[str, Any, list]]:
    """(title, destination, children) of an outline level, following `/First`… `/Next`."""
    out = []
    item = items.get("/First")
    while item is not None:
        out.append((str(item.Title), item.get("/Dest"), _outline(item)))
        item = item.get("/Next")
    return out


def assemble(
    parts: list[Path],
    target: Path,
    title: str | None = None,
    outline_levels: list[int] | None = None,
    stamp: Path | None = None,
    fonts: Sequence[Path] = (),
) -> list[int]:
    """Write the tagged PDFs `parts` end to end as one tagged PDF at `target` (same inputs, same bytes); returns
    the index of each part's first page in the result.

    `outline_levels`: the bookmark level of each part's first level (the bookmarks then nest across parts: a fiche's
    bookmark under its objectif's, from another part). `stamp`: a PDF with as many pages as the result, each overlaid
    on its page as an artifact (the footer's page numbers). Links written `fiches-part:<name>` become links to the
    named destination `<name>`. `fonts`: the theme's font files; the parts' subsets of one of them become one
    shared copy (`builder.outputs.pdf.fonts`)."""
    import pikepdf

    out = pikepdf.new()
    starts: list[int] = []
    kids: list[Any] = []
    parent_tree: list[tuple[int, Any]] = []
    dests: list[tuple[str, Any]] = []
    outline: list[tuple[str, Any, list]] = []
    role_map: dict[str, Any] = {}
    next_key = 0
    flat: list[tuple[int, str, Any]] = []
    opened = [pikepdf.open(p) for p in parts]
    try:
        for number, pdf in enumerate(opened):
            starts.append(len(out.pages))
            root = pdf.Root
            tree = root.get("/StructTreeRoot")
            pairs = _nums(tree.ParentTree) if tree is not None and "/ParentTree" in tree else []
            shift = next_key
            next_key = shift + (max((k for k, _ in pairs), default=-1) + 1)
            for page in pdf.pages:
                out.pages.append(page)
                copied = out.pages[-1]
                if "/StructParents" in copied:
                    copied.StructParents = int(copied.StructParents) + shift
                for annot in copied.get("/Annots", []):
                    if "/StructParent" in annot:
                        annot.StructParent = int(annot.StructParent) + shift
            if tree is not None:
                for element in _kids(tree.get("/K")):
                    top = _copy(out, element)
                    kids += _kids(top.get("/K")) if top.get("/S") == "/Document" else [top]
                parent_tree += [(k + shift, _copy(out, v)) for k, v in pairs]
                for name, role in (tree.get("/RoleMap") or {}).items():
                    role_map.setdefault(name, role)
            names = root.get("/Names")
            if names is not None and "/Dests" in names:
                dests += [(name, _copy(out, dest)) for name, dest in _names(names.Dests)]
            if "/Outlines" in root:
                items = [
                    (t, _copy(out, d) if d is not None else None, c)
                    for t, d, c in _copy_dests(out, _outline(root.Outlines))
                ]
                if outline_levels is None:
                    outline += items
                else:
                    flat += _flatten(items, outline_levels[number])
            if number == 0:
                _document_settings(out, pdf, title)
        _structure(out, kids, parent_tree, role_map)
        if dests:
            unique = dict(reversed(dests))  # the first part that names a destination keeps it
            names_array = pikepdf.Array()
            for name in sorted(unique):
                names_array.append(pikepdf.String(name))
                names_array.append(unique[name])
            out.Root.Names = out.make_indirect(pikepdf.Dictionary(Dests=pikepdf.Dictionary(Names=names_array)))
        _rewire_links(out)
        if outline_levels is not None:
            outline = _nest(flat)
        if stamp is not None:
            _stamp(out, stamp)
        if outline:
            _write_outline(out, outline)
        if fonts:
            share_fonts(out, fonts)
        target.parent.mkdir(parents=True, exist_ok=True)
        out.save(target, deterministic_id=True, object_stream_mode=pikepdf.ObjectStreamMode.generate)
    finally:
        for pdf in opened:
            pdf.close()
    return starts


def _copy_dests(out: Any, items: list[tuple[str, Any, list]]) -> list[tuple[str, Any, list]]:
    """Children's destinations copied too (the top level is copied by the caller)."""
    return [
        (t, d, [(ct, _copy(out, cd) if cd is not None else None, _copy_dests(out, cc)) for ct, cd, cc in c])
        for t, d, c in items
    ]


def _document_settings(out: Any, first: Any, title: str | None) -> None:
    """Language, title shown, tagged, and the first part's XMP metadata (with `title`)."""
    import pikepdf

    root = first.Root
    out.Root.Lang = root.get("/Lang", pikepdf.String("fr"))
    out.Root.MarkInfo = pikepdf.Dictionary(Marked=True)
    out.Root.ViewerPreferences = pikepdf.Dictionary(DisplayDocTitle=True)
    info = first.trailer.get("/Info")
    if info is not None:
        out.trailer.Info = _copy(out, info)
    if "/Metadata" in root:
        out.Root.Metadata = _copy(out, root.Metadata)
    if title is not None:
        with out.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as meta:
            meta["dc:title"] = title
        if "/Info" in out.trailer:
            out.trailer.Info.Title = pikepdf.String(title)


def _structure(out: Any, kids: list[Any], parent_tree: list[tuple[int, Any]], role_map: dict[str, Any]) -> None:
    """One `StructTreeRoot` → `Document` → the parts' elements; one parent tree."""
    import pikepdf

    tree = out.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.StructTreeRoot))
    document = out.make_indirect(
        pikepdf.Dictionary(Type=pikepdf.Name.StructElem, S=pikepdf.Name.Document, P=tree, K=pikepdf.Array(kids))
    )
    for kid in kids:
        if isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
            kid.P = document
    nums = pikepdf.Array()
    for key, value in sorted(parent_tree, key=lambda pair: pair[0]):
        nums.append(key)
        nums.append(value)
    tree.K = document
    tree.ParentTree = out.make_indirect(pikepdf.Dictionary(Nums=nums))
    tree.ParentTreeNextKey = max((k for k, _ in parent_tree), default=-1) + 1
    if role_map:
        tree.RoleMap = pikepdf.Dictionary({name: role for name, role in sorted(role_map.items())})
    out.Root.StructTreeRoot = tree


def _write_outline(out: Any, items: list[tuple[str, Any, list]]) -> None:
    """The bookmarks, with their destinations (already in `out`)."""
    import pikepdf

    def level(entries: list[tuple[str, Any, list]], parent: Any) -> int:
        made = []
        for title, dest, children in entries:
            item = out.make_indirect(pikepdf.Dictionary(Title=pikepdf.String(title), Parent=parent))
            if dest is not None:
                item.Dest = dest
            count = level(children, item)
            if count:
                item.Count = count
            made.append(item)
        for before, after in zip(made, made[1:], strict=False):
            before.Next, after.Prev = after, before
        if made:
            parent.First, parent.Last = made[0], made[-1]
        return len(made) + sum(int(i.get("/Count", 0)) for i in made)

    root = out.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.Outlines))
    root.Count = level(items, root)
    out.Root.Outlines = root


def _flatten(items: list[tuple[str, Any, list]], level: int) -> list[tuple[int, str, Any]]:
    out = []
    for title, dest, children in items:
        out.append((level, title, dest))
        out += _flatten(children, level + 1)
    return out


def _nest(flat: list[tuple[int, str, Any]]) -> list[tuple[str, Any, list]]:
    """(level, title, destination) in reading order → the tree: each bookmark under the last one of a lower level."""
    root: list[tuple[str, Any, list]] = []
    stack: list[tuple[int, list]] = [(0, root)]
    for level, title, dest in flat:
        while stack[-1][0] >= level:
            stack.pop()
        children: list = []
        stack[-1][1].append((title, dest, children))
        stack.append((level, children))
    return root


def _rewire_links(out: Any) -> None:
    """Links to another part (`fiches-part:<name>`) → links to the named destination `<name>`."""
    import pikepdf

    for page in out.pages:
        for annot in page.get("/Annots", []):
            action = annot.get("/A")
            if action is None or "/URI" not in action:
                continue
            uri = bytes(action.URI).decode("utf-8", "replace")
            if uri.startswith("fiches-part:"):
                del annot["/A"]
                annot.Dest = pikepdf.String(uri[len("fiches-part:") :])


def _stamp(out: Any, stamp: Path) -> None:
    """Each page of `stamp` drawn over its page of `out`, as an artifact (its fonts are copied once)."""
    import pikepdf

    source = pikepdf.open(stamp)
    try:
        if len(source.pages) != len(out.pages):
            raise ValueError(f"stamp: {len(source.pages)} pages for {len(out.pages)}")
        for page, over in zip(out.pages, source.pages, strict=True):
            form = out.copy_foreign(over.as_form_xobject())
            # the page's own resources (WeasyPrint may share one dictionary between pages)
            resources = pikepdf.Dictionary(dict(page.obj.get("/Resources", pikepdf.Dictionary()).items()))
            xobjects = pikepdf.Dictionary(dict(resources.get("/XObject", pikepdf.Dictionary()).items()))
            xobjects.FichesStamp = form
            resources.XObject = xobjects
            page.obj.Resources = resources
            page.contents_add(out.make_stream(b"q\n"), prepend=True)
            page.contents_add(out.make_stream(b"Q\n/Artifact BMC q /FichesStamp Do Q EMC\n"), prepend=False)
    finally:
        source.close()
