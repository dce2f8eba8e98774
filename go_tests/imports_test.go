package go_tests

import (
	"os/exec"
	"path"
	"strings"
	"testing"
)

const module = "github.com/flern/flern/"

// allowed lists, per package (relative to the module), the module packages it
// may import directly. Imports flow one way, in pipeline order:
// ir <- {col, frame, tensor, wire} <- {csvio, arrowio, opt passes, autodiff} <- parquetio (and blas, its kernels) <- opt <- exec <- engine <- capi.
// A trailing "/*" matches the subpackages of a folder.
var allowed = map[string][]string{
	"golib/ir":          {},
	"golib/ir/wire":     {"golib/ir"},
	"golib/col":         {"golib/ir"},
	"golib/frame":       {"golib/ir"},
	"golib/csvio":       {"golib/ir", "golib/col"},
	"golib/arrowio":     {"golib/ir", "golib/col"},
	"golib/parquetio":   {"golib/ir", "golib/col", "golib/arrowio", "golib/blas"},
	"golib/ipcio":       {"golib/ir", "golib/col", "golib/arrowio"},
	"golib/opt/dce":     {"golib/ir", "golib/frame"},
	"golib/opt/*":       {"golib/ir", "golib/frame", "golib/opt/dce"},
	"golib/autodiff":    {"golib/ir", "golib/tensor", "golib/frame"},
	"golib/opt":         {"golib/ir", "golib/frame", "golib/opt/*", "golib/autodiff"},
	"golib/lower":       {"golib/ir", "golib/tensor", "golib/frame"},
	"golib/codegen":     {"golib/ir", "golib/lower"},
	"golib/exec":        {"golib/ir", "golib/col", "golib/frame", "golib/tensor", "golib/exec/interp", "golib/lower", "golib/codegen", "golib/blas"},
	"golib/tensor":      {"golib/ir"},
	"golib/exec/interp": {"golib/ir", "golib/col", "golib/frame", "golib/tensor", "golib/blas"},
	"golib/blas":        {},
	"golib/engine":      {"golib/ir", "golib/ir/wire", "golib/col", "golib/frame", "golib/csvio", "golib/parquetio", "golib/ipcio", "golib/opt", "golib/opt/dce", "golib/opt/fold", "golib/opt/joinorder", "golib/exec", "golib/exec/interp", "golib/tensor", "golib/lower", "golib/codegen"},
	"capi":              {"golib/ir", "golib/col", "golib/arrowio", "golib/engine", "golib/exec", "golib/exec/interp", "golib/tensor", "golib/blas"},
	"go_tests":          {"golib/*", "golib/ir/*", "golib/opt/*", "golib/exec/*"},
}

// cgoAllowed are the only packages that may use cgo.
var cgoAllowed = map[string]bool{"capi": true, "golib/codegen": true, "golib/blas": true} // codegen, blas: dlopen of compiled kernels / OpenBLAS

func match(pattern, pkg string) bool {
	if strings.HasSuffix(pattern, "/*") {
		ok, _ := path.Match(strings.TrimSuffix(pattern, "/*")+"/*", pkg)
		return ok
	}
	return pattern == pkg
}

func rulesFor(pkg string) ([]string, bool) {
	if r, ok := allowed[pkg]; ok {
		return r, true
	}
	for pat, r := range allowed {
		if strings.HasSuffix(pat, "/*") && match(pat, pkg) {
			return r, true
		}
	}
	return nil, false
}

func TestImportsFlowOneWay(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", "{{.ImportPath}}|{{join .Imports \" \"}}|{{len .CgoFiles}}", "../...").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		parts := strings.Split(line, "|")
		if len(parts) != 3 {
			continue
		}
		pkg := strings.TrimPrefix(parts[0], module)
		rules, ok := rulesFor(pkg)
		if !ok {
			t.Errorf("package %s has no entry in the import rules (go_tests/imports_test.go): add it in pipeline order", pkg)
			continue
		}
		if parts[2] != "0" && !cgoAllowed[pkg] {
			t.Errorf("package %s uses cgo; only %v may", pkg, cgoAllowed)
		}
		for _, imp := range strings.Fields(parts[1]) {
			if !strings.HasPrefix(imp, module) {
				continue
			}
			rel := strings.TrimPrefix(imp, module)
			if rel == "capi" {
				t.Errorf("%s imports capi: nothing may import capi", pkg)
			}
			okImp := false
			for _, r := range rules {
				if match(r, rel) {
					okImp = true
				}
			}
			if !okImp {
				t.Errorf("%s imports %s, against the pipeline order (allowed: %v)", pkg, rel, rules)
			}
		}
	}
}
