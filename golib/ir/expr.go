package ir

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// ExprKind tells which of the three expression forms an Expr is.
type ExprKind uint8

const (
	ExprCol  ExprKind = iota // a column of the input frame, by name
	ExprLit                  // a scalar literal
	ExprCall                 // a scalar function applied to arguments
)

// Expr is a row-wise scalar expression evaluated against one input frame.
// Frame ops (project, filter, ...) carry expressions in their attributes.
type Expr struct {
	Kind ExprKind
	Name string // column name (ExprCol) or function name (ExprCall)
	Args []*Expr
	Lit  Value          // ExprLit
	Opts map[string]any // function options (pattern, case, na, ...)
	// Type is filled in by type inference (frame.TypeExpr); Invalid before.
	Type     DType
	Nullable bool
}

// Value is a literal scalar. Exactly one field is meaningful, chosen by Type.
type Value struct {
	Type DType
	I    int64
	F    float64
	B    bool
	S    string
}

// Col, Lit* and Call build expressions (used by tests and rewrites).
func Col(name string) *Expr               { return &Expr{Kind: ExprCol, Name: name} }
func LitInt(v int64) *Expr                { return &Expr{Kind: ExprLit, Lit: Value{Type: Int64, I: v}} }
func LitFloat(v float64) *Expr            { return &Expr{Kind: ExprLit, Lit: Value{Type: Float64, F: v}} }
func LitBool(v bool) *Expr                { return &Expr{Kind: ExprLit, Lit: Value{Type: Bool, B: v}} }
func LitString(v string) *Expr            { return &Expr{Kind: ExprLit, Lit: Value{Type: String, S: v}} }
func Call(fn string, args ...*Expr) *Expr { return &Expr{Kind: ExprCall, Name: fn, Args: args} }

// Columns appends the names of all columns e references to dst.
func (e *Expr) Columns(dst map[string]bool) {
	switch e.Kind {
	case ExprCol:
		dst[e.Name] = true
	case ExprCall:
		for _, a := range e.Args {
			a.Columns(dst)
		}
	}
}

// Clone returns a deep copy of e.
func (e *Expr) Clone() *Expr {
	if e == nil {
		return nil
	}
	c := *e
	if e.Opts != nil {
		c.Opts = make(map[string]any, len(e.Opts))
		for k, v := range e.Opts {
			c.Opts[k] = v
		}
	}
	if e.Args != nil {
		c.Args = make([]*Expr, len(e.Args))
		for i, a := range e.Args {
			c.Args[i] = a.Clone()
		}
	}
	return &c
}

// String prints e canonically: col("a"), 1.5, add(col("a"), 1).
func (e *Expr) String() string {
	var b strings.Builder
	e.write(&b)
	return b.String()
}

func (e *Expr) write(b *strings.Builder) {
	switch e.Kind {
	case ExprCol:
		b.WriteString("col(")
		b.WriteString(strconv.Quote(e.Name))
		b.WriteString(")")
	case ExprLit:
		b.WriteString(e.Lit.String())
	case ExprCall:
		b.WriteString(e.Name)
		b.WriteString("(")
		for i, a := range e.Args {
			if i > 0 {
				b.WriteString(", ")
			}
			a.write(b)
		}
		if len(e.Opts) > 0 {
			keys := sortedKeys(e.Opts)
			for _, k := range keys {
				if len(e.Args) > 0 || k != keys[0] {
					b.WriteString(", ")
				}
				fmt.Fprintf(b, "%s=%v", k, fmtOpt(e.Opts[k]))
			}
		}
		b.WriteString(")")
	}
}

func fmtOpt(v any) string {
	if s, ok := v.(string); ok {
		return strconv.Quote(s)
	}
	return fmt.Sprint(v)
}

// String prints a literal the way Print shows it.
func (v Value) String() string {
	switch v.Type {
	case Int64, Int32:
		return strconv.FormatInt(v.I, 10)
	case Float64, Float32:
		if math.IsNaN(v.F) {
			return "nan"
		}
		s := strconv.FormatFloat(v.F, 'g', -1, 64)
		if !strings.ContainsAny(s, ".eEn") {
			s += ".0"
		}
		return s
	case Bool:
		if v.B {
			return "True"
		}
		return "False"
	case String:
		return strconv.Quote(v.S)
	case DatetimeUS, DatetimeNS:
		return fmt.Sprintf("%s(%d)", v.Type, v.I)
	case Null:
		return "None"
	}
	return "?"
}
