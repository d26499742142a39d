"""A Go program rewritten to report what `gcemu verify` compares, on stderr.

Each ``runtime.ReadMemStats(&ms)`` becomes ``gcemuReadMemStats("L:C", &ms)``, which
reads them and prints the figures with the builtin ``println`` (it allocates nothing);
each ``runtime.GC()`` / ``debug.FreeOSMemory()`` counts itself; each
``runtime.SetFinalizer(p, f)`` becomes ``gcemuSetFinalizer("L:C", p, f)``, which, when
``GCEMU_FINALIZERS`` is set, wraps ``f`` (reflect.MakeFunc) to print its site and the
count of GCs before it ran. The wrapper allocates, so MemStats are read from a run
without it. Calls are found by their positions in the typed AST; the helpers use
imports of their own (``gcemu_runtime`` ...), so the program's imports stay as they are.
"""

from __future__ import annotations

from gcemu.gofront.scope import walk

CALLS = {("runtime", "ReadMemStats"): 'gcemuReadMemStats("{site}", ',
         ("runtime", "GC"): "gcemuGC(",
         ("runtime/debug", "FreeOSMemory"): "gcemuFreeOSMemory(",
         ("runtime", "SetFinalizer"): 'gcemuSetFinalizer("{site}", '}
USE = {"runtime": "GC", "runtime/debug": "FreeOSMemory"}
FIELDS = ("Alloc", "TotalAlloc", "Mallocs", "Frees", "HeapAlloc", "HeapSys", "HeapIdle",
          "HeapInuse", "HeapReleased", "HeapObjects", "NumGC")
IMPORTS = ('import gcemu_debug "runtime/debug"\nimport gcemu_os "os"\n'
           'import gcemu_reflect "reflect"\nimport gcemu_runtime "runtime"\n')
HELPERS = """
var gcemuGCs int

func gcemuGC() { gcemuGCs++; gcemu_runtime.GC() }

func gcemuFreeOSMemory() { gcemuGCs++; gcemu_debug.FreeOSMemory() }

func gcemuReadMemStats(site string, m *gcemu_runtime.MemStats) {
	gcemu_runtime.ReadMemStats(m)
	println("gcemu-memstats", site, %s)
}

func gcemuSetFinalizer(site string, p any, f any) {
	fv := gcemu_reflect.ValueOf(f)
	if gcemu_os.Getenv("GCEMU_FINALIZERS") == "" || f == nil || fv.Kind() != gcemu_reflect.Func {
		gcemu_runtime.SetFinalizer(p, f)
		return
	}
	w := gcemu_reflect.MakeFunc(fv.Type(), func(a []gcemu_reflect.Value) []gcemu_reflect.Value {
		println("gcemu-finalizer", site, gcemuGCs)
		return fv.Call(a)
	})
	gcemu_runtime.SetFinalizer(p, w.Interface())
}
""".replace("%s", ", ".join(f"m.{f}" for f in FIELDS))


def instrument(source: str, data: dict) -> str:
    """``source`` (the program the typed AST ``data`` was read from) rewritten."""
    objects = data["objects"]
    edits: list[tuple[int, int, int, str]] = []  # (line, col, length, replacement)
    for n in walk(data["ast"]):
        fun = n.get("Fun") if n["k"] == "CallExpr" else None
        if not fun or fun["k"] != "SelectorExpr" or fun["X"]["k"] != "Ident":
            continue
        o = objects[fun["X"]["use"]] if "use" in fun["X"] else {}
        new = CALLS.get((o.get("path"), fun["Sel"]["Name"])) if o.get("k") == "pkgname" \
            else None
        if new is None:
            continue
        line, col = (int(x) for x in n["pos"].split(":"))
        old = f"{fun['X']['Name']}.{fun['Sel']['Name']}("
        edits.append((line, col, len(old), new.format(site=n["pos"])))
    lines = source.split("\n")
    for line, col, length, new in sorted(edits, reverse=True):
        text = lines[line - 1]
        lines[line - 1] = text[:col - 1] + new + text[col - 1 + length:]
    # the program's own imports of runtime and runtime/debug may now be unused
    uses = "".join(f"\nvar _ = {o['name']}.{USE[o['path']]}\n" for o in objects
                   if o.get("k") == "pkgname" and o.get("path") in USE)
    at = next(i for i, ln in enumerate(lines) if ln.startswith("package "))
    lines.insert(at + 1, IMPORTS)  # right after the package clause
    return "\n".join(lines) + HELPERS + uses


__all__ = ["FIELDS", "instrument"]
