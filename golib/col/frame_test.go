package col_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/ir"
)

func sample() *col.Frame {
	return &col.Frame{
		N:     4,
		Names: []string{"a", "s"},
		Cols:  []*col.Column{col.NewInt64([]int64{1, 2, 3, 4}), col.NewStrings([]string{"w", "x", "y", "z"}, bitmap("1011"))},
	}
}

func TestFrameTake(t *testing.T) {
	indexed := sample()
	indexed.Index = []*col.Column{col.NewStrings([]string{"p", "q", "r", "s"}, nil), col.NewInt64([]int64{7, 7, 8, 8})}
	indexed.IndexNames = []string{"key", ""}

	cases := []struct {
		name       string
		f          *col.Frame
		idx        []int
		cols       []string
		index      []string
		indexNames []string
	}{
		{name: "RangeIndex becomes original positions", f: sample(), idx: []int{3, 1},
			cols: []string{"int64[4 2]", `str["z" None]`}, index: []string{"int64[3 1]"}, indexNames: []string{""}},
		{name: "empty take", f: sample(), idx: []int{},
			cols: []string{"int64[]", "str[]"}, index: []string{"int64[]"}, indexNames: []string{""}},
		{name: "named levels keep their names", f: indexed, idx: []int{2, 2, 0},
			cols:       []string{"int64[3 3 1]", `str["y" "y" "w"]`},
			index:      []string{`str["r" "r" "p"]`, "int64[8 8 7]"},
			indexNames: []string{"key", ""}},
		{name: "negative positions", f: indexed, idx: []int{-1, 1},
			cols:       []string{"int64[None 2]", `str[None None]`},
			index:      []string{`str[None "q"]`, "int64[None 7]"},
			indexNames: []string{"key", ""}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := c.f.Take(c.idx)
			if got.N != len(c.idx) || !reflect.DeepEqual(got.Names, c.f.Names) {
				t.Errorf("N %d names %v", got.N, got.Names)
			}
			var cols, index []string
			for _, cl := range got.Cols {
				cols = append(cols, render(cl))
			}
			for _, cl := range got.Index {
				index = append(index, render(cl))
			}
			if !reflect.DeepEqual(cols, c.cols) {
				t.Errorf("columns %v, want %v", cols, c.cols)
			}
			if !reflect.DeepEqual(index, c.index) || !reflect.DeepEqual(got.IndexNames, c.indexNames) {
				t.Errorf("index %v %q, want %v %q", index, got.IndexNames, c.index, c.indexNames)
			}
			if err := got.Validate(); err != nil {
				t.Errorf("Take produced an invalid frame: %v", err)
			}
		})
	}
}

func TestFrameColAndIndexColumns(t *testing.T) {
	f := sample()
	if f.Col("s") != f.Cols[1] || f.Col("nope") != nil {
		t.Errorf("Col lookup wrong")
	}
	ix := f.IndexColumns()
	if len(ix) != 1 || render(ix[0]) != "int64[0 1 2 3]" {
		t.Errorf("IndexColumns of a RangeIndex = %v", ix)
	}
	if f.Index != nil {
		t.Errorf("IndexColumns materialized the RangeIndex into the frame")
	}
	f.Index = []*col.Column{col.NewBool([]bool{true, false, true, true})}
	f.IndexNames = []string{"flag"}
	if got := f.IndexColumns(); len(got) != 1 || got[0] != f.Index[0] {
		t.Errorf("IndexColumns of an explicit index = %v", got)
	}
}

func TestFrameValidate(t *testing.T) {
	cases := []struct {
		name    string
		mutate  func(f *col.Frame)
		wantErr string
	}{
		{name: "valid", mutate: func(*col.Frame) {}},
		{name: "valid with index", mutate: func(f *col.Frame) {
			f.Index = []*col.Column{col.NewInt64([]int64{1, 2, 3, 4})}
			f.IndexNames = []string{""}
		}},
		{name: "empty frame", mutate: func(f *col.Frame) { *f = col.Frame{} }},
		{name: "names and columns disagree", mutate: func(f *col.Frame) { f.Names = f.Names[:1] },
			wantErr: "frame has 1 names for 2 columns"},
		{name: "short column", mutate: func(f *col.Frame) { f.Cols[1] = col.NewStrings([]string{"x"}, nil) },
			wantErr: `column "s" has 1 rows, frame has 4`},
		{name: "wrong N", mutate: func(f *col.Frame) { f.N = 5 },
			wantErr: `column "a" has 4 rows, frame has 5`},
		{name: "short index level", mutate: func(f *col.Frame) {
			f.Index = []*col.Column{col.NewInt64([]int64{1, 2, 3, 4}), col.NewFloat64([]float64{1})}
			f.IndexNames = []string{"", ""}
		}, wantErr: "index level 1 has 1 rows, frame has 4"},
		{name: "index names and levels disagree", mutate: func(f *col.Frame) {
			f.Index = []*col.Column{col.NewInt64([]int64{1, 2, 3, 4})}
			f.IndexNames = nil
		}, wantErr: "frame has 0 index names for 1 levels"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := sample()
			c.mutate(f)
			err := f.Validate()
			if c.wantErr == "" {
				if err != nil {
					t.Errorf("Validate() = %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Errorf("Validate() = %v, want %q", err, c.wantErr)
			}
		})
	}
}

func TestConstructors(t *testing.T) {
	cases := []struct {
		c    *col.Column
		want string
	}{
		{col.NewInt64([]int64{1}), "int64[1]"},
		{col.NewFloat64([]float64{1.5}), "float64[1.5]"},
		{col.NewBool([]bool{false}), "bool[false]"},
		{col.NewDatetime(ir.DatetimeNS, []int64{9, 8}, bitmap("01")), "datetime64[ns][None 8]"},
	}
	for _, c := range cases {
		if got := render(c.c); got != c.want || c.c.Len() != c.c.N {
			t.Errorf("%s, want %s", got, c.want)
		}
	}
}
