// Package ir is flern's high-level intermediate representation: the graph of
// library ops (frame.* today, tensor.* later) recorded by the Python front end,
// with data types, schemas, expressions, a verifier and a canonical printer.
//
// Everything else in golib builds on ir; ir imports nothing from golib.
package ir

import (
	"fmt"
	"strings"
)

// DType is a column or tensor element type. The set mirrors what pandas
// (numpy-backed, pandas 3 string) exposes, so results round-trip exactly.
type DType uint8

const (
	Invalid    DType = iota
	Int64            // pandas int64; never null (pandas promotes to float64)
	Float64          // pandas float64; NaN is the missing value
	Bool             // pandas bool; nullable only as pandas' object-of-bool
	String           // pandas 3 str; nulls through the validity bitmap
	DatetimeUS       // pandas datetime64[us] (read_csv's default in pandas 3); NaT via validity
	DatetimeNS       // pandas datetime64[ns]; NaT via validity
	Int32            // pandas int32 (dt.year and friends); stored widened in int64
	Float32          // float32; stored widened in float64, rounded after every op
	Null             // type of a bare None literal
)

var dtypeNames = [...]string{"invalid", "int64", "float64", "bool", "str", "datetime64[us]", "datetime64[ns]", "int32", "float32", "null"}

func (t DType) String() string {
	if int(t) < len(dtypeNames) {
		return dtypeNames[t]
	}
	return fmt.Sprintf("dtype(%d)", uint8(t))
}

// ParseDType maps the wire/pandas spelling of a dtype to a DType.
func ParseDType(s string) (DType, error) {
	switch s {
	case "int64", "int":
		return Int64, nil
	case "int32":
		return Int32, nil
	case "float64", "float", "double":
		return Float64, nil
	case "float32":
		return Float32, nil
	case "bool", "boolean":
		return Bool, nil
	case "str", "string", "object":
		return String, nil
	case "datetime64[us]":
		return DatetimeUS, nil
	case "datetime64[ns]", "datetime64", "datetime":
		return DatetimeNS, nil
	case "null":
		return Null, nil
	}
	return Invalid, fmt.Errorf("unknown dtype %q", s)
}

// IsNumeric reports whether arithmetic is defined on t.
func (t DType) IsNumeric() bool { return t.IsInt() || t.IsFloat() || t == Bool }

// IsInt reports whether t is an integer type (stored in Column.I64).
func (t DType) IsInt() bool { return t == Int64 || t == Int32 }

// IsFloat reports whether t is a float type (stored in Column.F64).
func (t DType) IsFloat() bool { return t == Float64 || t == Float32 }

// IsDatetime reports whether t is a datetime type (stored in Column.I64).
func (t DType) IsDatetime() bool { return t == DatetimeUS || t == DatetimeNS }

// Field is one named column of a schema.
type Field struct {
	Name string
	Type DType
	// Nullable is true when the column may hold nulls encoded in its validity
	// bitmap (String, Datetime*, Bool). Float64 encodes missing as NaN and
	// Int64 is never null, as in pandas.
	Nullable bool
}

// Schema is the ordered list of columns of a frame plus its index columns.
// Index is empty for pandas' default RangeIndex.
type Schema struct {
	Fields []Field
	Index  []Field // index levels; Name "" means an unnamed level
	// Dynamic is true when the column set depends on the data (get_dummies,
	// describe): Fields is then only known after execution.
	Dynamic bool
	// Tensor is set (and Fields/Index are empty) when the node's value is a
	// dense tensor rather than a frame. Frame and tensor ops share one graph.
	Tensor *TensorType
}

// DynDim marks a tensor dimension whose size is only known at run time (the
// row count of a frame handed to to_tensor). Shape rules treat it as
// "any size"; kernels re-check with the real sizes.
const DynDim int64 = -1

// TensorType is the static type of a tensor value: element type (Float32,
// Float64, Int64 or Bool) and shape (DynDim for sizes known only at run time).
type TensorType struct {
	DType DType
	Shape []int64
}

// IsTensor reports whether the schema describes a tensor.
func (s *Schema) IsTensor() bool { return s != nil && s.Tensor != nil }

// TensorSchema returns the schema of a tensor value.
func TensorSchema(dt DType, shape []int64) *Schema {
	return &Schema{Tensor: &TensorType{DType: dt, Shape: append([]int64{}, shape...)}}
}

// String renders a tensor type canonically: "tensor<float32>[2, 3]"
// ("?" for a run-time size, "[]" for a 0-dim tensor).
func (t *TensorType) String() string {
	dims := make([]string, len(t.Shape))
	for i, d := range t.Shape {
		if d == DynDim {
			dims[i] = "?"
		} else {
			dims[i] = fmt.Sprint(d)
		}
	}
	return "tensor<" + t.DType.String() + ">[" + strings.Join(dims, ", ") + "]"
}

// Lookup returns the position of the column named name, or -1.
func (s *Schema) Lookup(name string) int {
	for i, f := range s.Fields {
		if f.Name == name {
			return i
		}
	}
	return -1
}

// Names returns the column names in order.
func (s *Schema) Names() []string {
	out := make([]string, len(s.Fields))
	for i, f := range s.Fields {
		out[i] = f.Name
	}
	return out
}

// Clone returns a deep copy.
func (s *Schema) Clone() *Schema {
	c := &Schema{Fields: append([]Field(nil), s.Fields...), Index: append([]Field(nil), s.Index...), Dynamic: s.Dynamic}
	if s.Tensor != nil {
		c.Tensor = &TensorType{DType: s.Tensor.DType, Shape: append([]int64{}, s.Tensor.Shape...)}
	}
	return c
}
