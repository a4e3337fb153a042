"""Tagged PDFs put end to end into one tagged PDF (pikepdf): the building block of a plan assembled from parts.

Not on the build's path yet: the plan PDF is still laid out whole (see the README's « PDF par fiche » section for
where the assembly from cached parts stands). What it keeps of its parts, so that the result stays PDF/UA-1 by the
project's checks (`builder.outputs.pdf.check`):

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

from pathlib import Path
from typing import Any


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


def assemble(parts: list[Path], target: Path, title: str | None = None) -> list[int]:
    """Write the tagged PDFs `parts` end to end as one tagged PDF at `target` (same inputs, same bytes); returns
    the index of each part's first page in the result."""
    import pikepdf

    out = pikepdf.new()
    starts: list[int] = []
    kids: list[Any] = []
    parent_tree: list[tuple[int, Any]] = []
    dests: list[tuple[str, Any]] = []
    outline: list[tuple[str, Any, list]] = []
    role_map: dict[str, Any] = {}
    next_key = 0
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
                outline += [(t, _copy(out, d) if d is not None else None, c) for t, d, c in
                            _copy_dests(out, _outline(root.Outlines))]
            if number == 0:
                _document_settings(out, pdf, title)
        _structure(out, kids, parent_tree, role_map)
        if dests:
            flat = pikepdf.Array()
            for name, dest in sorted(dests, key=lambda pair: pair[0]):
                flat.append(pikepdf.String(name))
                flat.append(dest)
            out.Root.Names = out.make_indirect(pikepdf.Dictionary(Dests=pikepdf.Dictionary(Names=flat)))
        if outline:
            _write_outline(out, outline)
        target.parent.mkdir(parents=True, exist_ok=True)
        out.save(target, deterministic_id=True, object_stream_mode=pikepdf.ObjectStreamMode.generate)
    finally:
        for pdf in opened:
            pdf.close()
    return starts


def _copy_dests(out: Any, items: list[tuple[str, Any, list]]) -> list[tuple[str, Any, list]]:
    """Children's destinations copied too (the top level is copied by the caller)."""
    return [(t, d, [(ct, _copy(out, cd) if cd is not None else None, _copy_dests(out, cc))
                    for ct, cd, cc in c]) for t, d, c in items]


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
    document = out.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.StructElem, S=pikepdf.Name.Document,
                                                    P=tree, K=pikepdf.Array(kids)))
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
