package parquetio

import (
	"fmt"
	"slices"
	"testing"
)

// TestFirstRows: the row groups a scan with a limit reads are the shortest
// prefix of those kept that holds the limit's rows.
func TestFirstRows(t *testing.T) {
	fi := &fileInfo{rgRows: []int64{100, 100, 50, 0, 100}}
	for _, tc := range []struct {
		kept  []int
		limit int64
		want  []int
	}{
		{[]int{0, 1, 2, 3, 4}, 0, []int{}},
		{[]int{0, 1, 2, 3, 4}, 1, []int{0}},
		{[]int{0, 1, 2, 3, 4}, 100, []int{0}},
		{[]int{0, 1, 2, 3, 4}, 101, []int{0, 1}},
		{[]int{0, 1, 2, 3, 4}, 250, []int{0, 1, 2}},
		{[]int{0, 1, 2, 3, 4}, 251, []int{0, 1, 2, 3, 4}}, // the empty group does not end it
		{[]int{0, 1, 2, 3, 4}, 10_000, []int{0, 1, 2, 3, 4}},
		{[]int{1, 4}, 150, []int{1, 4}},
		{[]int{}, 5, []int{}},
	} {
		t.Run(fmt.Sprintf("%v/%d", tc.kept, tc.limit), func(t *testing.T) {
			if got := firstRows(fi, tc.kept, tc.limit); !slices.Equal(got, tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
		})
	}
}
