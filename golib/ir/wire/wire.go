// Package wire decodes flern plans sent by the Python front end.
//
// # Wire format, version 1
//
// A plan is one UTF-8 JSON object (the Python encoder is
// python/flern/_graph.py; keep the two in step and bump Version on any
// incompatible change):
//
//	{
//	  "magic":   "flern-plan",
//	  "version": 1,
//	  "nodes": [ {"id": 0, "op": "scan_csv", "inputs": [], "attrs": {...}, "loc": "etl.py:12"}, ... ],
//	  "outputs": [3]
//	}
//
// Nodes are in topological order and ids equal positions. Attribute values are
// plain JSON (strings, numbers, bools, null, lists, objects), except the
// attributes named in ExprAttrs, which hold one of two forms (decoding is
// directed by the attribute's name, so user text such as a rename mapping
// {"k": "key"} is never mistaken for an expression):
//
//	expression   {"k": "col",  "name": "price"}
//	             {"k": "lit",  "t": "int64", "v": "42"}      v is a string for every type
//	             {"k": "lit",  "t": "null"}                    (floats: "nan", "inf", "-inf" allowed)
//	             {"k": "call", "fn": "add", "args": [expr, ...], "opts": {...}}
//	projection   [{"name": "x", "expr": expr}, ...]
//
// Literal values travel as strings so int64 and NaN survive JSON exactly.
// Decoding uses sonic (a JIT JSON decoder, ~4.5x encoding/json here).
package wire

import (
	"fmt"
	"strconv"

	"github.com/bytedance/sonic"

	"github.com/flern/flern/golib/ir"
)

// Magic and Version identify the format.
const (
	Magic   = "flern-plan"
	Version = 1
)

type wirePlan struct {
	Magic   string     `json:"magic"`
	Version int        `json:"version"`
	Nodes   []wireNode `json:"nodes"`
	Outputs []int      `json:"outputs"`
}

type wireNode struct {
	ID     int            `json:"id"`
	Op     string         `json:"op"`
	Inputs []int          `json:"inputs"`
	Attrs  map[string]any `json:"attrs"`
	Loc    string         `json:"loc"`
}

// Decode parses a plan into a graph (schemas not yet inferred).
func Decode(data []byte) (*ir.Graph, error) {
	var p wirePlan
	if err := sonic.Unmarshal(data, &p); err != nil {
		return nil, ir.Errorf("Value", "invalid plan: %v", err)
	}
	if p.Magic != Magic {
		return nil, ir.Errorf("Value", "invalid plan: magic %q, want %q", p.Magic, Magic)
	}
	if p.Version != Version {
		return nil, ir.Errorf("Value", "plan version %d not supported (this library speaks %d)", p.Version, Version)
	}
	g := &ir.Graph{}
	for i, wn := range p.Nodes {
		if wn.ID != i {
			return nil, ir.Errorf("Value", "invalid plan: node %d has id %d", i, wn.ID)
		}
		n := &ir.Node{Op: wn.Op, Loc: wn.Loc, Attrs: ir.Attrs{}}
		for _, in := range wn.Inputs {
			if in < 0 || in >= i {
				return nil, ir.Errorf("Value", "invalid plan: node %d reads node %d", i, in)
			}
			n.Inputs = append(n.Inputs, ir.NodeID(in))
		}
		for k, v := range wn.Attrs {
			dv, err := decodeAttr(k, v)
			if err != nil {
				return nil, &ir.Error{Kind: "Value", Msg: fmt.Sprintf("invalid plan: attribute %q: %v", k, err), Op: wn.Op, Loc: wn.Loc}
			}
			n.Attrs[k] = dv
		}
		g.Add(n)
	}
	for _, o := range p.Outputs {
		if o < 0 || o >= len(g.Nodes) {
			return nil, ir.Errorf("Value", "invalid plan: output %d out of range", o)
		}
		g.Outputs = append(g.Outputs, ir.NodeID(o))
	}
	return g, nil
}

// ExprAttrs maps the attribute names that carry expressions to their form:
// "expr" (one expression) or "named" (a projection list).
var ExprAttrs = map[string]string{"pred": "expr", "exprs": "named"}

func decodeAttr(key string, v any) (any, error) {
	switch ExprAttrs[key] {
	case "expr":
		m, ok := v.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("expected an expression object")
		}
		return DecodeExpr(m)
	case "named":
		x, ok := v.([]any)
		if !ok {
			return nil, fmt.Errorf("expected a projection list")
		}
		return decodeNamed(x)
	}
	return v, nil
}

func decodeNamed(x []any) ([]ir.NamedExpr, error) {
	out := make([]ir.NamedExpr, len(x))
	for i, e := range x {
		m, ok := e.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("projection entry %d is not an object", i)
		}
		name, ok := m["name"].(string)
		if !ok {
			return nil, fmt.Errorf("projection entry %d has no name", i)
		}
		em, ok := m["expr"].(map[string]any)
		if !ok {
			return nil, fmt.Errorf("projection entry %d has no expr", i)
		}
		ex, err := DecodeExpr(em)
		if err != nil {
			return nil, err
		}
		out[i] = ir.NamedExpr{Name: name, Expr: ex}
	}
	return out, nil
}

// DecodeExpr converts one JSON-decoded expression object.
func DecodeExpr(m map[string]any) (*ir.Expr, error) {
	k, _ := m["k"].(string)
	switch k {
	case "col":
		name, ok := m["name"].(string)
		if !ok {
			return nil, fmt.Errorf("column expression without a name")
		}
		return ir.Col(name), nil
	case "lit":
		t, _ := m["t"].(string)
		dt, err := ir.ParseDType(t)
		if err != nil {
			return nil, err
		}
		s, _ := m["v"].(string)
		val := ir.Value{Type: dt}
		switch dt {
		case ir.Int64, ir.Int32, ir.DatetimeUS, ir.DatetimeNS:
			val.I, err = strconv.ParseInt(s, 10, 64)
		case ir.Float64, ir.Float32:
			val.F, err = strconv.ParseFloat(s, 64)
		case ir.Bool:
			val.B, err = strconv.ParseBool(s)
		case ir.String:
			val.S = s
		case ir.Null:
		}
		if err != nil {
			return nil, fmt.Errorf("literal %q of type %s: %v", s, t, err)
		}
		return &ir.Expr{Kind: ir.ExprLit, Lit: val}, nil
	case "call":
		fn, ok := m["fn"].(string)
		if !ok {
			return nil, fmt.Errorf("call expression without fn")
		}
		e := &ir.Expr{Kind: ir.ExprCall, Name: fn}
		args, _ := m["args"].([]any)
		for i, a := range args {
			am, ok := a.(map[string]any)
			if !ok {
				return nil, fmt.Errorf("%s: argument %d is not an expression", fn, i)
			}
			ae, err := DecodeExpr(am)
			if err != nil {
				return nil, err
			}
			e.Args = append(e.Args, ae)
		}
		if o, ok := m["opts"].(map[string]any); ok && len(o) > 0 {
			e.Opts = o
		}
		return e, nil
	}
	return nil, fmt.Errorf("unknown expression kind %q", k)
}
