// gofront: parse and type-check one Go file (package main) with go/parser and go/types,
// print a typed AST as JSON for gcemu's interpreter (gcemu/gofront).
//
//	gofront -exports FILE PROG.go
//
// FILE lists "importpath exportfile" lines (`go list -export`, done once when gcemu
// builds this helper); imports are read from those files directly (the gc importer
// with a lookup), so a run is one process and no `go list`.
//
// Output (version 1): {"version":1,"ast":NODE,"types":[...],"objects":[...]} or, when
// the file does not parse or type-check, {"version":1,"errors":[{"pos","msg","kind"}]}
// with go/types' own wording; only the first syntax error of a line (go/parser without
// AllErrors), type errors sorted by position as `go build` prints them.
//
// A NODE is {"k": ast type name, "pos": "line:col", fields...}; an expression also has
// "type" (an id in the type table), "mode" (var|value|const|type|builtin|void|commaok)
// and, for constants, "val" (the exact value); an identifier has "def" or "use" (an id
// in the object table); a selector has "sel" {kind, index, indirect, obj}.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"go/ast"
	"go/importer"
	"go/parser"
	"go/scanner"
	"go/token"
	"go/types"
	"io"
	"os"
	"reflect"
	"sort"
	"strings"
)

type enc struct {
	fset    *token.FileSet
	info    *types.Info
	pkg     *types.Package
	typeIDs map[string]int
	types   []map[string]any
	objIDs  map[types.Object]int
	objs    []map[string]any
}

func (e *enc) pos(p token.Pos) string {
	if !p.IsValid() {
		return ""
	}
	ps := e.fset.Position(p)
	return fmt.Sprintf("%d:%d", ps.Line, ps.Column)
}

func (e *enc) qual(p *types.Package) string {
	if p == e.pkg {
		return ""
	}
	return p.Path()
}

// typ returns the id of t in the type table, adding it (and what it refers to).
func (e *enc) typ(t types.Type) any {
	if t == nil {
		return nil
	}
	if a, ok := t.(*types.Alias); ok {
		return e.typ(types.Unalias(a))
	}
	key := types.TypeString(t, func(p *types.Package) string { return p.Path() })
	if n, ok := t.(*types.Named); ok && n.Obj().Parent() != nil && n.Obj().Parent() != n.Obj().Pkg().Scope() {
		key += "@" + e.pos(n.Obj().Pos()) // function-local type
	}
	if id, ok := e.typeIDs[key]; ok {
		return id
	}
	id := len(e.types)
	e.typeIDs[key] = id
	d := map[string]any{"id": id, "s": types.TypeString(t, e.qual)}
	e.types = append(e.types, d)
	switch t := t.(type) {
	case *types.Basic:
		d["k"] = "basic"
		d["name"] = t.Name()
	case *types.Named:
		d["k"] = "named"
		d["obj"] = e.obj(t.Obj())
		d["under"] = e.typ(t.Underlying())
		if t.Obj().Pkg() != nil {
			d["pkg"] = t.Obj().Pkg().Path()
		}
		var ms []any
		for i := 0; i < t.NumMethods(); i++ {
			ms = append(ms, e.obj(t.Method(i)))
		}
		d["methods"] = ms
	case *types.Pointer:
		d["k"] = "pointer"
		d["elem"] = e.typ(t.Elem())
	case *types.Slice:
		d["k"] = "slice"
		d["elem"] = e.typ(t.Elem())
	case *types.Array:
		d["k"] = "array"
		d["len"] = t.Len()
		d["elem"] = e.typ(t.Elem())
	case *types.Map:
		d["k"] = "map"
		d["key"] = e.typ(t.Key())
		d["elem"] = e.typ(t.Elem())
	case *types.Chan:
		d["k"] = "chan"
		d["elem"] = e.typ(t.Elem())
	case *types.Struct:
		d["k"] = "struct"
		var fs []any
		for i := 0; i < t.NumFields(); i++ {
			f := t.Field(i)
			fs = append(fs, map[string]any{"name": f.Name(), "type": e.typ(f.Type()), "embedded": f.Embedded()})
		}
		d["fields"] = fs
	case *types.Signature:
		d["k"] = "func"
		d["params"] = e.typ(t.Params())
		d["results"] = e.typ(t.Results())
		d["variadic"] = t.Variadic()
	case *types.Tuple:
		d["k"] = "tuple"
		var vs []any
		for i := 0; i < t.Len(); i++ {
			vs = append(vs, e.typ(t.At(i).Type()))
		}
		d["elems"] = vs
	case *types.Interface:
		d["k"] = "interface"
		d["empty"] = t.Empty()
		var names []any
		for i := 0; i < t.NumMethods(); i++ {
			names = append(names, t.Method(i).Name())
		}
		d["mnames"] = names
	default:
		d["k"] = "other"
	}
	return id
}

// obj returns the id of o in the object table.
func (e *enc) obj(o types.Object) any {
	if o == nil {
		return nil
	}
	if id, ok := e.objIDs[o]; ok {
		return id
	}
	id := len(e.objs)
	e.objIDs[o] = id
	d := map[string]any{"id": id, "name": o.Name()}
	e.objs = append(e.objs, d)
	if o.Pkg() != nil {
		d["pkg"] = o.Pkg().Path()
	}
	if o.Pkg() == e.pkg {
		d["pos"] = e.pos(o.Pos())
		if o.Parent() == e.pkg.Scope() {
			d["global"] = true
		}
	}
	switch o := o.(type) {
	case *types.Var:
		d["k"] = "var"
		if o.IsField() {
			d["k"] = "field"
		}
	case *types.Const:
		d["k"] = "const"
		d["val"] = o.Val().ExactString()
	case *types.TypeName:
		d["k"] = "type"
	case *types.Func:
		d["k"] = "func"
		d["full"] = o.FullName()
	case *types.PkgName:
		d["k"] = "pkgname"
		d["path"] = o.Imported().Path()
	case *types.Builtin:
		d["k"] = "builtin"
	case *types.Nil:
		d["k"] = "nil"
	case *types.Label:
		d["k"] = "label"
	}
	if _, isPkg := o.(*types.PkgName); !isPkg {
		d["type"] = e.typ(o.Type())
	}
	return id
}

var (
	posType  = reflect.TypeOf(token.Pos(0))
	tokType  = reflect.TypeOf(token.Token(0))
	nodeType = reflect.TypeOf((*ast.Node)(nil)).Elem()
)

// node encodes an ast.Node generically (by reflection over its fields) and adds
// go/types' facts about it.
func (e *enc) node(n ast.Node) any {
	if n == nil || reflect.ValueOf(n).IsNil() {
		return nil
	}
	v := reflect.ValueOf(n).Elem()
	t := v.Type()
	d := map[string]any{"k": t.Name(), "pos": e.pos(n.Pos())}
	if _, ok := n.(*ast.BlockStmt); ok {
		d["end"] = e.pos(n.End())
	}
	for i := 0; i < t.NumField(); i++ {
		f, fv := t.Field(i), v.Field(i)
		switch {
		case f.Type == posType && f.Name == "Ellipsis": // CallExpr: f(xs...)
			if fv.Interface().(token.Pos).IsValid() {
				d["Ellipsis"] = true
			}
		case f.Type == posType, f.Name == "Obj", f.Name == "Scope", f.Name == "Doc",
			f.Name == "Comment", f.Name == "Comments", f.Name == "Unresolved", f.Name == "Imports":
			continue
		case f.Type == tokType:
			d[f.Name] = fv.Interface().(token.Token).String()
		case f.Type.Kind() == reflect.Slice && f.Type.Elem().Implements(nodeType):
			xs := []any{}
			for j := 0; j < fv.Len(); j++ {
				xs = append(xs, e.node(fv.Index(j).Interface().(ast.Node)))
			}
			d[f.Name] = xs
		case f.Type.Implements(nodeType):
			if !fv.IsNil() {
				d[f.Name] = e.node(fv.Interface().(ast.Node))
			}
		case f.Type.Kind() == reflect.String, f.Type.Kind() == reflect.Bool:
			d[f.Name] = fv.Interface()
		}
	}
	if x, ok := n.(ast.Expr); ok {
		if tv, ok := e.info.Types[x]; ok {
			d["type"] = e.typ(tv.Type)
			switch {
			case tv.IsVoid():
				d["mode"] = "void"
			case tv.IsType():
				d["mode"] = "type"
			case tv.IsBuiltin():
				d["mode"] = "builtin"
			case tv.Value != nil:
				d["mode"] = "const"
				d["val"] = tv.Value.ExactString()
			case tv.HasOk():
				d["mode"] = "commaok"
			case tv.Addressable():
				d["mode"] = "var"
			default:
				d["mode"] = "value"
			}
		}
	}
	if id, ok := n.(*ast.Ident); ok {
		if o := e.info.Defs[id]; o != nil {
			d["def"] = e.obj(o)
		} else if o := e.info.Uses[id]; o != nil {
			d["use"] = e.obj(o)
		}
	}
	if s, ok := n.(*ast.SelectorExpr); ok {
		if sel := e.info.Selections[s]; sel != nil {
			d["sel"] = map[string]any{"kind": []string{"field", "method", "methodexpr"}[sel.Kind()],
				"index": sel.Index(), "indirect": sel.Indirect(), "obj": e.obj(sel.Obj()),
				"recv": e.typ(sel.Recv())}
		}
	}
	if o := e.info.Implicits[n]; o != nil { // type-switch case vars
		d["implicit"] = e.obj(o)
	}
	return d
}

// exportLookup reads "importpath exportfile" lines (from `go list -export -f ...`).
func exportLookup(listing string) (importer.Lookup, error) {
	f, err := os.Open(listing)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	files := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if path, file, ok := strings.Cut(sc.Text(), " "); ok && file != "" {
			files[path] = file
		}
	}
	return func(path string) (io.ReadCloser, error) {
		if file, ok := files[path]; ok {
			return os.Open(file)
		}
		return nil, fmt.Errorf("package %q is not in the subset gcemu knows", path)
	}, nil
}

type diag struct {
	Pos  string `json:"pos"`
	Msg  string `json:"msg"`
	Kind string `json:"kind"`
	line int
	col  int
}

func main() {
	exports := flag.String("exports", "", "file of 'path exportfile' lines")
	flag.Parse()
	fset := token.NewFileSet()
	filename := flag.Arg(0)
	src, err := os.ReadFile(filename)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	var diags []diag
	add := func(p token.Position, msg, kind string) {
		diags = append(diags, diag{fmt.Sprintf("%s:%d:%d", p.Filename, p.Line, p.Column), msg, kind, p.Line, p.Column})
	}
	file, err := parser.ParseFile(fset, filename, src, parser.SkipObjectResolution)
	if err != nil {
		if list, ok := err.(scanner.ErrorList); ok {
			for _, e := range list {
				add(e.Pos, e.Msg, "syntax")
			}
		} else {
			add(token.Position{Filename: filename}, err.Error(), "syntax")
		}
		emit(map[string]any{"version": 1, "errors": diags})
		return
	}
	lookup, err := exportLookup(*exports)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	info := &types.Info{
		Types:      map[ast.Expr]types.TypeAndValue{},
		Defs:       map[*ast.Ident]types.Object{},
		Uses:       map[*ast.Ident]types.Object{},
		Implicits:  map[ast.Node]types.Object{},
		Selections: map[*ast.SelectorExpr]*types.Selection{},
	}
	conf := types.Config{
		Importer:  importer.ForCompiler(fset, "gc", lookup),
		GoVersion: "go1.23",
		Error: func(err error) {
			if te, ok := err.(types.Error); ok {
				add(te.Fset.Position(te.Pos), te.Msg, "type")
			} else {
				add(token.Position{Filename: filename}, err.Error(), "type")
			}
		},
	}
	pkg, _ := conf.Check("main", fset, []*ast.File{file}, info)
	if len(diags) > 0 {
		sort.SliceStable(diags, func(i, j int) bool {
			if diags[i].line != diags[j].line {
				return diags[i].line < diags[j].line
			}
			return diags[i].col < diags[j].col
		})
		emit(map[string]any{"version": 1, "errors": diags})
		return
	}
	e := &enc{fset: fset, info: info, pkg: pkg, typeIDs: map[string]int{}, objIDs: map[types.Object]int{}}
	out := map[string]any{"version": 1, "ast": e.node(file)}
	out["types"] = e.types
	out["objects"] = e.objs
	emit(out)
}

func emit(v any) {
	w := bufio.NewWriter(os.Stdout)
	defer w.Flush()
	if err := json.NewEncoder(w).Encode(v); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
}
