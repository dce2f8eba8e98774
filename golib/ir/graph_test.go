package ir_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/flern/flern/golib/ir"
)

// The ir package has no ops of its own (frame and tensor register theirs), so
// these tests register a few under an "irtest." prefix that no other package
// uses:
//
//	irtest.src   0 inputs, schema from attrs.fields ("name:type" strings)
//	irtest.un    1 input, passes its input's schema through
//	irtest.bin   2 inputs, concatenates the inputs' fields
//	irtest.fail  1 input, inference fails with a *ir.Error without Loc
//	irtest.plain 1 input, inference fails with a plain error
func init() {
	ir.RegisterOp(&ir.OpInfo{Name: "irtest.src", Inputs: 0, Source: true, Infer: func(n *ir.Node, _ []*ir.Schema) (*ir.Schema, error) {
		s := &ir.Schema{}
		for _, f := range n.Attrs.Strings("fields") {
			name, tn, _ := strings.Cut(f, ":")
			t, err := ir.ParseDType(tn)
			if err != nil {
				return nil, ir.Errorf("Value", "%v", err)
			}
			s.Fields = append(s.Fields, ir.Field{Name: name, Type: t})
		}
		return s, nil
	}})
	ir.RegisterOp(&ir.OpInfo{Name: "irtest.un", Inputs: 1, Infer: func(_ *ir.Node, in []*ir.Schema) (*ir.Schema, error) {
		return in[0].Clone(), nil
	}})
	ir.RegisterOp(&ir.OpInfo{Name: "irtest.bin", Inputs: 2, Infer: func(_ *ir.Node, in []*ir.Schema) (*ir.Schema, error) {
		s := in[0].Clone()
		s.Fields = append(s.Fields, in[1].Fields...)
		return s, nil
	}})
	ir.RegisterOp(&ir.OpInfo{Name: "irtest.fail", Inputs: 1, Infer: func(_ *ir.Node, _ []*ir.Schema) (*ir.Schema, error) {
		return nil, ir.Errorf("Type", "irtest.fail always fails")
	}})
	ir.RegisterOp(&ir.OpInfo{Name: "irtest.plain", Inputs: 1, Infer: func(_ *ir.Node, _ []*ir.Schema) (*ir.Schema, error) {
		return nil, errors.New("plain failure")
	}})
}

func src(fields ...string) *ir.Node {
	fs := make([]any, len(fields))
	for i, f := range fields {
		fs[i] = f
	}
	return &ir.Node{Op: "irtest.src", Attrs: ir.Attrs{"fields": fs}}
}

func node(op string, inputs ...ir.NodeID) *ir.Node {
	return &ir.Node{Op: op, Inputs: inputs}
}

// chain builds %0 = src(a:int64), %1 = un(%0), %2 = bin(%0, %1), outputs [2].
func chain() *ir.Graph {
	g := &ir.Graph{}
	g.Add(src("a:int64"))
	g.Add(node("irtest.un", 0))
	g.Add(node("irtest.bin", 0, 1))
	g.Outputs = []ir.NodeID{2}
	return g
}

func TestRegisterOpTwicePanics(t *testing.T) {
	defer func() {
		r := recover()
		if r == nil || !strings.Contains(fmt.Sprint(r), `"irtest.un" registered twice`) {
			t.Fatalf("recover() = %v, want a panic naming the duplicate op", r)
		}
	}()
	ir.RegisterOp(&ir.OpInfo{Name: "irtest.un", Inputs: 1})
}

func TestLookupOpAndOpNames(t *testing.T) {
	if ir.LookupOp("irtest.bin") == nil || ir.LookupOp("irtest.bin").Inputs != 2 {
		t.Errorf("LookupOp(irtest.bin) = %+v", ir.LookupOp("irtest.bin"))
	}
	if ir.LookupOp("no such op") != nil {
		t.Errorf("LookupOp of an unknown op is not nil")
	}
	names := ir.OpNames()
	for i := 1; i < len(names); i++ {
		if names[i-1] >= names[i] {
			t.Fatalf("OpNames not sorted: %v", names)
		}
	}
	if !strings.Contains(strings.Join(names, ","), "irtest.fail") {
		t.Errorf("OpNames %v misses irtest.fail", names)
	}
}

func TestVerify(t *testing.T) {
	cases := []struct {
		name    string
		graph   func() *ir.Graph
		wantErr string // substring; "" means Verify must succeed
		kind    string // when the error must be an *ir.Error: its Kind
		op, loc string // ... and its Op and Loc
	}{
		{name: "valid", graph: chain},
		{name: "unknown op", wantErr: `unknown op "nope"`, kind: "Value", op: "nope", loc: "u.py:3",
			graph: func() *ir.Graph {
				g := chain()
				g.Add(&ir.Node{Op: "nope", Inputs: []ir.NodeID{2}, Loc: "u.py:3"})
				return g
			}},
		{name: "too few inputs", wantErr: "node 1 (irtest.bin) has 1 inputs, want 2",
			graph: func() *ir.Graph {
				g := &ir.Graph{Outputs: []ir.NodeID{1}}
				g.Add(src("a:int64"))
				g.Add(node("irtest.bin", 0))
				return g
			}},
		{name: "too many inputs", wantErr: "node 1 (irtest.un) has 2 inputs, want 1",
			graph: func() *ir.Graph {
				g := &ir.Graph{Outputs: []ir.NodeID{1}}
				g.Add(src("a:int64"))
				g.Add(node("irtest.un", 0, 0))
				return g
			}},
		{name: "source with an input", wantErr: "node 1 (irtest.src) has 1 inputs, want 0",
			graph: func() *ir.Graph {
				g := &ir.Graph{Outputs: []ir.NodeID{1}}
				g.Add(src("a:int64"))
				n := src("b:str")
				n.Inputs = []ir.NodeID{0}
				g.Add(n)
				return g
			}},
		{name: "forward reference", wantErr: "node 1 (irtest.un) reads node 2, which does not precede it",
			graph: func() *ir.Graph {
				g := &ir.Graph{Outputs: []ir.NodeID{2}}
				g.Add(src("a:int64"))
				g.Add(node("irtest.un", 2))
				g.Add(node("irtest.un", 0))
				return g
			}},
		{name: "self reference", wantErr: "node 1 (irtest.un) reads node 1, which does not precede it",
			graph: func() *ir.Graph {
				g := &ir.Graph{Outputs: []ir.NodeID{1}}
				g.Add(src("a:int64"))
				g.Add(node("irtest.un", 1))
				return g
			}},
		{name: "negative input", wantErr: "node 1 (irtest.un) reads node -1, which does not precede it",
			graph: func() *ir.Graph {
				g := &ir.Graph{Outputs: []ir.NodeID{1}}
				g.Add(src("a:int64"))
				g.Add(node("irtest.un", -1))
				return g
			}},
		{name: "id does not match position", wantErr: "node at position 1 has id 5",
			graph: func() *ir.Graph {
				g := chain()
				g.Nodes[1].ID = 5
				return g
			}},
		{name: "no outputs", wantErr: "graph has no outputs",
			graph: func() *ir.Graph {
				g := chain()
				g.Outputs = nil
				return g
			}},
		{name: "output past the end", wantErr: "output 3 out of range",
			graph: func() *ir.Graph {
				g := chain()
				g.Outputs = []ir.NodeID{2, 3}
				return g
			}},
		{name: "negative output", wantErr: "output -1 out of range",
			graph: func() *ir.Graph {
				g := chain()
				g.Outputs = []ir.NodeID{-1}
				return g
			}},
		{name: "inference error gets the node's op and loc", wantErr: "irtest.fail: irtest.fail always fails (at q.py:9)",
			kind: "Type", op: "irtest.fail", loc: "q.py:9",
			graph: func() *ir.Graph {
				g := chain()
				g.Add(&ir.Node{Op: "irtest.fail", Inputs: []ir.NodeID{2}, Loc: "q.py:9"})
				g.Outputs = []ir.NodeID{3}
				return g
			}},
		{name: "plain inference error becomes Internal", wantErr: "irtest.plain: plain failure (at q.py:10)",
			kind: "Internal", op: "irtest.plain", loc: "q.py:10",
			graph: func() *ir.Graph {
				g := chain()
				g.Add(&ir.Node{Op: "irtest.plain", Inputs: []ir.NodeID{0}, Loc: "q.py:10"})
				return g
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.graph().Verify()
			if c.wantErr == "" {
				if err != nil {
					t.Fatalf("Verify() = %v, want nil", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Fatalf("Verify() = %v, want an error containing %q", err, c.wantErr)
			}
			if c.kind == "" {
				return
			}
			var fe *ir.Error
			if !errors.As(err, &fe) {
				t.Fatalf("Verify() = %T %v, want *ir.Error", err, err)
			}
			if fe.Kind != c.kind || fe.Op != c.op || fe.Loc != c.loc {
				t.Errorf("error kind/op/loc = %q/%q/%q, want %q/%q/%q", fe.Kind, fe.Op, fe.Loc, c.kind, c.op, c.loc)
			}
		})
	}
}

func TestVerifyFillsSchemas(t *testing.T) {
	g := chain()
	if err := g.Verify(); err != nil {
		t.Fatal(err)
	}
	if got := g.Node(2).Schema.String(); got != "a:int64, a:int64" {
		t.Errorf("schema of %%2 = %q", got)
	}
}

func TestCompact(t *testing.T) {
	cases := []struct {
		name  string
		build func() *ir.Graph
		want  string // Print after Compact
	}{
		{name: "nothing to drop",
			build: chain,
			want: `%0 = irtest.src(fields=["a:int64"])
%1 = irtest.un(%0)
%2 = irtest.bin(%0, %1)
return %2
`},
		{name: "drops unreachable nodes and renumbers",
			build: func() *ir.Graph {
				g := &ir.Graph{}
				g.Add(src("dead:str"))          // 0: dead
				g.Add(src("a:int64"))           // 1 -> 0
				g.Add(node("irtest.un", 0))     // 2: dead
				g.Add(node("irtest.un", 1))     // 3 -> 1
				g.Add(src("b:float64"))         // 4 -> 2
				g.Add(node("irtest.bin", 3, 4)) // 5 -> 3
				g.Add(node("irtest.un", 5))     // 6: dead
				g.Outputs = []ir.NodeID{5, 3}
				return g
			},
			want: `%0 = irtest.src(fields=["a:int64"])
%1 = irtest.un(%0)
%2 = irtest.src(fields=["b:float64"])
%3 = irtest.bin(%1, %2)
return %3, %1
`},
		{name: "same node output twice",
			build: func() *ir.Graph {
				g := &ir.Graph{}
				g.Add(src("x:bool"))
				g.Add(src("a:int64"))
				g.Outputs = []ir.NodeID{1, 1}
				return g
			},
			want: `%0 = irtest.src(fields=["a:int64"])
return %0, %0
`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g := c.build()
			g.Compact()
			if got := g.Print(); got != c.want {
				t.Errorf("after Compact:\n%s\nwant:\n%s", got, c.want)
			}
			for i, n := range g.Nodes {
				if n.ID != ir.NodeID(i) {
					t.Errorf("node at %d has id %d", i, n.ID)
				}
			}
			if err := g.Verify(); err != nil {
				t.Errorf("compacted graph does not verify: %v", err)
			}
		})
	}
}

// TestReorder: a node given an input that follows it moves after that
// input's subgraph; everything else keeps its order; a cycle panics.
func TestReorder(t *testing.T) {
	g := &ir.Graph{}
	g.Add(src("a:int64"))           // 0
	g.Add(node("irtest.un", 0))     // 1
	g.Add(src("b:float64"))         // 2
	g.Add(node("irtest.un", 2))     // 3
	g.Add(node("irtest.bin", 1, 3)) // 4
	g.Outputs = []ir.NodeID{4, 1}
	g.Nodes[1].Inputs = []ir.NodeID{3} // 1 now reads 3, which follows it
	g.Nodes[0].Inputs = nil
	g.Reorder()
	want := `%0 = irtest.src(fields=["a:int64"])
%1 = irtest.src(fields=["b:float64"])
%2 = irtest.un(%1)
%3 = irtest.un(%2)
%4 = irtest.bin(%3, %2)
return %4, %3
`
	if got := g.Print(); got != want {
		t.Errorf("after Reorder:\n%s\nwant:\n%s", got, want)
	}
	for i, n := range g.Nodes {
		if n.ID != ir.NodeID(i) {
			t.Errorf("node at %d has id %d", i, n.ID)
		}
	}
	g.Nodes[2].Inputs = []ir.NodeID{3} // a cycle: 2 -> 3 -> 2
	defer func() {
		if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), "cycle") {
			t.Errorf("a cycle did not panic: %v", r)
		}
	}()
	g.Reorder()
}

func TestUsers(t *testing.T) {
	g := chain()
	got := fmt.Sprint(g.Users())
	if want := "[[1 2] [2] []]"; got != want {
		t.Errorf("Users() = %s, want %s", got, want)
	}
}

func TestErrorFormattingAndAtNode(t *testing.T) {
	n := &ir.Node{Op: "filter", Loc: "etl.py:7"}
	base := errors.New("disk on fire")
	cases := []struct {
		name     string
		err      error
		want     string
		kind     string
		unwrapTo error
	}{
		{name: "bare", err: ir.Errorf("Type", "bad %s", "thing"), want: "filter: bad thing (at etl.py:7)", kind: "Type"},
		{name: "already located is kept", err: &ir.Error{Kind: "IO", Msg: "gone", Op: "scan_csv", Loc: "a.py:1"}, want: "scan_csv: gone (at a.py:1)", kind: "IO"},
		{name: "plain error wrapped as Internal", err: base, want: "filter: disk on fire (at etl.py:7)", kind: "Internal", unwrapTo: base},
		{name: "nil stays nil", err: nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := ir.AtNode(c.err, n)
			if c.err == nil {
				if got != nil {
					t.Fatalf("AtNode(nil) = %v", got)
				}
				return
			}
			if got.Error() != c.want {
				t.Errorf("Error() = %q, want %q", got.Error(), c.want)
			}
			var fe *ir.Error
			if !errors.As(got, &fe) || fe.Kind != c.kind {
				t.Errorf("AtNode returned %#v, want kind %s", got, c.kind)
			}
			if c.unwrapTo != nil && !errors.Is(got, c.unwrapTo) {
				t.Errorf("errors.Is(AtNode(err), err) is false")
			}
		})
	}
	// AtNode must not modify the error it was given (it may be shared).
	orig := ir.Errorf("Value", "x")
	_ = ir.AtNode(orig, n)
	if orig.Op != "" || orig.Loc != "" {
		t.Errorf("AtNode mutated its argument: %+v", orig)
	}
	if got := (&ir.Error{Msg: "m"}).Error(); got != "m" {
		t.Errorf("Error() without op/loc = %q", got)
	}
}
