package frame

import (
	"testing"

	"github.com/flern/flern/golib/ir"
)

func TestCommonDType(t *testing.T) {
	cases := []struct {
		name    string
		in      []ir.DType
		want    ir.DType
		wantErr bool
	}{
		{"empty is float64", nil, ir.Float64, false},
		{"one", []ir.DType{ir.Int32}, ir.Int32, false},
		{"equal", []ir.DType{ir.Float32, ir.Float32}, ir.Float32, false},
		{"ints widen", []ir.DType{ir.Int32, ir.Int64}, ir.Int64, false},
		{"int and float", []ir.DType{ir.Int64, ir.Float32}, ir.Float64, false},
		{"int32 and float32 is float64 (numpy)", []ir.DType{ir.Int32, ir.Float32}, ir.Float64, false},
		{"floats", []ir.DType{ir.Float32, ir.Float64}, ir.Float64, false},
		{"bool with int is object", []ir.DType{ir.Bool, ir.Int64}, 0, true},
		{"str with float is object", []ir.DType{ir.Float64, ir.String}, 0, true},
		{"all bool", []ir.DType{ir.Bool, ir.Bool}, ir.Bool, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := CommonDType(c.in)
			if (err != nil) != c.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, c.wantErr)
			}
			if err == nil && got != c.want {
				t.Fatalf("got %s, want %s", got, c.want)
			}
		})
	}
}
