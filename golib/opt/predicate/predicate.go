// Package predicate is the optimizer's predicate-pushdown pass: a filter's
// conditions move towards the scans, so rows are dropped before they are
// projected, sorted or joined, and a Parquet scan learns which row groups
// its statistics rule out.
//
// A filter's predicate is split into its conjuncts (and(a, b) -> a, b).
// Only safe conjuncts move: bool-typed, never null (a null in a mask
// raises, as in pandas) and unable to raise (dce.MayRaise), because a moved
// conjunct is evaluated on a different set of rows. The rest stays where the
// user wrote it, and with it the whole filter: a conjunct that stays would
// otherwise see fewer rows and might no longer raise where the user's filter
// does. One step at a time, to a fixed point, a filter's conjuncts move
//
//   - into the filter below it when the two can then move on together,
//   - below a project that cannot raise, with the project's expressions
//     substituted for the columns they define, when it can then move on
//     (a conjunct that reads a nullable computed column stays: the
//     filter's not-null inference only sees plain columns), or when the
//     project computes features and the filter reads only columns it
//     passes through (features recorded before a filter, e.g. for
//     to_tensor, are then computed for the kept rows only),
//   - below a sort (stable: the order of the kept rows is unchanged) and
//     into the left input of a semi_join,
//   - into the side of an inner join whose columns it reads (only the left
//     side of a left join), renamed to that side's names; a conjunct on
//     keys of an exact-compare type (int, str, bool, datetime) also goes to
//     the other side through the key equality. A conjunct that reads both
//     sides stays, but when it is an or() of conjunctions each side also
//     gets the or() of every disjunct's conjuncts on that side, which the
//     conjunct implies (TPC-H q19's three part/lineitem cases). A join numbers its rows
//     afresh, so this needs the filter's index labels to be unobserved
//     (dce.IndexUsed); the kept rows and their order are the same.
//
// The node being moved through must have the filter as its only reader.
// Finally, a filter directly over a scan_parquet that only it reads (and
// whose labels are unobserved) gives the scan a "stats_filter" attribute:
// the conjuncts of the form column <cmp> literal, which the reader uses to
// skip row groups whose min/max statistics prove that no row can match.
// The filter itself stays and is applied exactly. A filter directly over a
// scan_csv that only it reads, all of whose conjuncts are safe, whose labels
// are unobserved and which is estimated to keep few rows (csvFilterMax)
// moves into the scan as its "filter" attribute:
// the CSV reader evaluates it per chunk and parses the other columns only
// for the rows it keeps (the result has a fresh RangeIndex, which is why the
// labels must be unobserved). The same holds for a scan_parquet without
// stored index labels (parquetFilterMax): the Parquet reader evaluates the
// filter per row group and decodes the other columns at the kept rows only,
// and the scan's stats_filter is then taken from its own filter. A file the
// plan reads more than once keeps its filters, so that cse can still make
// its reads one scan, except a filter testing columns nobody else reads,
// which gets its own copy of the scan (scansplit.go).
package predicate

import (
	"github.com/flern/flern/golib/frame"
	"github.com/flern/flern/golib/ir"
	"github.com/flern/flern/golib/opt/dce"
)

// Run pushes predicates down to a fixed point and reports whether it
// changed anything. Schemas must be inferred.
func Run(g *ir.Graph) (bool, error) {
	before := g.Print()
	derived := map[*ir.Node]map[string]bool{}
	for range 10000 {
		if !step(g, derived) {
			break
		}
		g.Compact()
		if err := g.Infer(); err != nil {
			return true, err
		}
	}
	parquetFilters(g)
	splitParquetFilters(g)
	statsHints(g)
	csvFilters(g)
	// A predicate derived again on a later run lands on (and merges into)
	// its earlier copy: compare plans, not steps.
	return g.Print() != before, nil
}

// conjuncts flattens nested and() calls.
func conjuncts(e *ir.Expr, dst []*ir.Expr) []*ir.Expr {
	if e.Kind == ir.ExprCall && e.Name == "and" && len(e.Args) == 2 && e.Type == ir.Bool {
		dst = conjuncts(e.Args[0], dst)
		return conjuncts(e.Args[1], dst)
	}
	return append(dst, e)
}

// andAll joins conjuncts left to right (nil for none), each distinct
// conjunct once.
func andAll(cs []*ir.Expr) *ir.Expr {
	var out *ir.Expr
	seen := map[string]bool{}
	for _, c := range cs {
		if k := c.String(); seen[k] {
			continue
		} else {
			seen[k] = true
		}
		if out == nil {
			out = c
		} else {
			out = ir.Call("and", out, c)
		}
	}
	return out
}

// safe reports whether conjunct c may be evaluated on other rows than the
// user's filter would: a non-null bool that cannot raise.
func safe(c *ir.Expr) bool {
	return c.Type == ir.Bool && !c.Nullable && !dce.MayRaise(c)
}

func split(pred *ir.Expr) (movable, stay []*ir.Expr) {
	for _, c := range conjuncts(pred, nil) {
		if safe(c) {
			movable = append(movable, c)
		} else {
			stay = append(stay, c)
		}
	}
	return movable, stay
}

// graphInfo is what one step needs to know about readers.
type graphInfo struct {
	users  [][]ir.NodeID
	output map[ir.NodeID]bool
	index  []bool
	// derived records, per join, the disjunctions whose implied side
	// predicates this run has already pushed.
	derived map[*ir.Node]map[string]bool
}

func (gi *graphInfo) single(id ir.NodeID) bool { return len(gi.users[id]) == 1 && !gi.output[id] }

// step makes the first possible move and reports whether there was one.
func step(g *ir.Graph, derived map[*ir.Node]map[string]bool) bool {
	gi := &graphInfo{users: g.Users(), output: g.OutputSet(), index: dce.IndexUsed(g), derived: derived}
	for _, f := range g.Nodes {
		if f.Op != "filter" || f.Attrs.Expr("pred") == nil {
			continue
		}
		x := g.Node(f.Inputs[0])
		if !gi.single(x.ID) || x.Schema == nil || x.Schema.Dynamic {
			continue
		}
		movable, stay := split(f.Attrs.Expr("pred"))
		if len(movable) == 0 || len(stay) > 0 {
			// An unsafe conjunct that stays would then see fewer rows: it
			// might no longer raise where the user's filter does.
			continue
		}
		var moved []bool
		switch x.Op {
		case "filter":
			// Merging alone would evaluate the upper conditions on every
			// row: only when the merged filter can move on.
			if continues(g, gi, f, x, movable) {
				moved = intoFilter(x, movable)
			}
		case "project":
			if continues(g, gi, f, x, movable) {
				moved = belowProject(g, x, movable)
			}
		case "sort", "semi_join":
			moved = below(g, x, 0, movable, nil)
		case "join":
			if !gi.index[f.ID] {
				if derived[x] == nil {
					derived[x] = map[string]bool{}
				}
				moved = belowJoin(g, x, movable, derived[x])
				if moved != nil && count(moved) == 0 {
					return true // only implied predicates moved
				}
			}
		}
		if count(moved) == 0 {
			continue
		}
		for i, c := range movable {
			if !moved[i] {
				stay = append(stay, c)
			}
		}
		if len(stay) > 0 {
			f.Attrs["pred"] = andAll(stay)
		} else {
			bypass(g, f.ID, x.ID)
		}
		return true
	}
	return false
}

func count(b []bool) int {
	n := 0
	for _, v := range b {
		if v {
			n++
		}
	}
	return n
}

// bypass makes every reader of node id (and the outputs) read with instead.
func bypass(g *ir.Graph, id, with ir.NodeID) {
	for _, u := range g.Nodes {
		for i, in := range u.Inputs {
			if in == id {
				u.Inputs[i] = with
			}
		}
	}
	for i, o := range g.Outputs {
		if o == id {
			g.Outputs[i] = with
		}
	}
}

func all(n int) []bool {
	out := make([]bool, n)
	for i := range out {
		out[i] = true
	}
	return out
}

// intoFilter appends the conjuncts to filter x when x's own predicate is
// safe to evaluate together with them.
func intoFilter(x *ir.Node, cs []*ir.Expr) []bool {
	own, stay := split(x.Attrs.Expr("pred"))
	if len(stay) > 0 {
		return nil
	}
	x.Attrs["pred"] = andAll(append(own, cloneAll(cs)...))
	return all(len(cs))
}

func cloneAll(cs []*ir.Expr) []*ir.Expr {
	out := make([]*ir.Expr, len(cs))
	for i, c := range cs {
		out[i] = c.Clone()
	}
	return out
}

// below puts a filter of the conjuncts (rewritten by rename when not nil)
// on input i of x.
func below(g *ir.Graph, x *ir.Node, i int, cs []*ir.Expr, rename func(*ir.Expr) *ir.Expr) []bool {
	var pushed []*ir.Expr
	for _, c := range cs {
		c = c.Clone()
		if rename != nil {
			c = rename(c)
		}
		pushed = append(pushed, c)
	}
	addFilter(g, x, i, andAll(pushed))
	return all(len(cs))
}

// addFilter inserts filter(pred) between x and its input i.
func addFilter(g *ir.Graph, x *ir.Node, i int, pred *ir.Expr) {
	n := &ir.Node{Op: "filter", Inputs: []ir.NodeID{x.Inputs[i]}, Attrs: ir.Attrs{"pred": pred}, Loc: x.Loc}
	x.Inputs[i] = g.InsertBefore(x.ID, n)
}

// belowProject moves the conjuncts below project x, substituting its
// expressions.
func belowProject(g *ir.Graph, x *ir.Node, cs []*ir.Expr) []bool {
	defs := map[string]*ir.Expr{}
	for _, ne := range x.Attrs.NamedExprs("exprs") {
		if ne.Expr == nil || dce.MayRaise(ne.Expr) {
			return nil
		}
		defs[ne.Name] = ne.Expr
	}
	moved := make([]bool, len(cs))
	var pushed []*ir.Expr
	for i, c := range cs {
		cols := map[string]bool{}
		c.Columns(cols)
		ok := true
		for name := range cols {
			d := defs[name]
			if d == nil || d.Nullable && d.Kind != ir.ExprCol {
				ok = false
			}
		}
		if !ok {
			continue
		}
		moved[i] = true
		pushed = append(pushed, substitute(c.Clone(), defs))
	}
	if len(pushed) == 0 {
		return nil
	}
	addFilter(g, x, 0, andAll(pushed))
	return moved
}

// substitute replaces column references in e by (copies of) their
// definitions.
func substitute(e *ir.Expr, defs map[string]*ir.Expr) *ir.Expr {
	switch e.Kind {
	case ir.ExprCol:
		return defs[e.Name].Clone()
	case ir.ExprCall:
		for i, a := range e.Args {
			e.Args[i] = substitute(a, defs)
		}
	}
	return e
}

// renameCols renames column references by m.
func renameCols(e *ir.Expr, m map[string]string) *ir.Expr {
	switch e.Kind {
	case ir.ExprCol:
		if to, ok := m[e.Name]; ok {
			e.Name = to
		}
	case ir.ExprCall:
		for _, a := range e.Args {
			renameCols(a, m)
		}
	}
	return e
}

// exactKey says whether equal join keys of type t are equal values under
// every expression (not so for floats: -0.0 joins 0.0).
func exactKey(t ir.DType) bool {
	return t.IsInt() || t == ir.String || t == ir.Bool || t.IsDatetime()
}

// belowJoin moves each conjunct into the join side(s) whose columns it
// reads.
func belowJoin(g *ir.Graph, j *ir.Node, cs []*ir.Expr, done map[string]bool) []bool {
	moved, sides := planJoin(g, j, cs, done)
	if len(sides[0])+len(sides[1]) == 0 {
		return nil
	}
	for _, c := range cs {
		if isOr(c) {
			done[c.String()] = true
		}
	}
	for side := range sides {
		if len(sides[side]) > 0 {
			addFilter(g, j, side, andAll(sides[side]))
		}
	}
	return moved
}

// isSelection reports whether project x only selects and renames columns
// (a zero-copy op: moving a filter below it gains nothing by itself).
func isSelection(x *ir.Node) bool {
	for _, ne := range x.Attrs.NamedExprs("exprs") {
		if ne.Expr == nil || ne.Expr.Kind != ir.ExprCol {
			return false
		}
	}
	return true
}

// continues reports whether some conjunct, once below project or filter x, could
// move on into x's input (or reach a Parquet scan): only then is x worth
// passing. A filter does not stop between a project and an op it cannot
// pass: it would save little, and the narrow pass puts selections in front
// of filters, which must stay there.
func continues(g *ir.Graph, gi *graphInfo, f, x *ir.Node, cs []*ir.Expr) bool {
	y := g.Node(x.Inputs[0])
	if !gi.single(y.ID) || y.Schema == nil || y.Schema.Dynamic {
		return false
	}
	var defs map[string]*ir.Expr // nil: x (a filter) keeps its columns
	if x.Op == "project" {
		defs = map[string]*ir.Expr{}
		for _, ne := range x.Attrs.NamedExprs("exprs") {
			defs[ne.Name] = ne.Expr
		}
	}
	var sub []*ir.Expr
	for _, c := range cs {
		cols := map[string]bool{}
		c.Columns(cols)
		ok := true
		for name := range cols {
			ok = ok && (defs == nil || defs[name] != nil)
		}
		switch {
		case ok && defs == nil:
			sub = append(sub, c.Clone())
		case ok:
			sub = append(sub, substitute(c.Clone(), defs))
		}
	}
	if len(sub) == 0 {
		return false
	}
	if x.Op == "project" && !isSelection(x) && passedThrough(cs, defs) {
		// Features computed above a filter on columns the project passes
		// through: below it, they are computed for the kept rows only, and
		// the filter evaluates nothing twice.
		return true
	}
	switch y.Op {
	case "sort", "semi_join", "scan_parquet":
		return true
	case "filter":
		_, stay := split(y.Attrs.Expr("pred"))
		return len(stay) == 0 && continues(g, gi, f, y, sub)
	case "project":
		return continues(g, gi, f, y, sub)
	case "join":
		if gi.index[f.ID] {
			return false
		}
		_, sides := planJoin(g, y, sub, gi.derived[y])
		return len(sides[0])+len(sides[1]) > 0
	}
	return false
}

// passedThrough reports whether every conjunct reads only columns that
// project definitions defs pass through unchanged (col(name)).
func passedThrough(cs []*ir.Expr, defs map[string]*ir.Expr) bool {
	for _, c := range cs {
		cols := map[string]bool{}
		c.Columns(cols)
		for name := range cols {
			if d := defs[name]; d == nil || d.Kind != ir.ExprCol {
				return false
			}
		}
	}
	return true
}

// planJoin says which conjuncts can move into which join side, renamed.
// A conjunct that reads both sides stays; when it is an or() of
// conjunctions, each side still gets what it implies: the or() of every
// disjunct's conjuncts on that side (TPC-H q19), unless done recorded it.
func planJoin(g *ir.Graph, j *ir.Node, cs []*ir.Expr, done map[string]bool) (moved []bool, sides [2][]*ir.Expr) {
	how := j.Attrs.Str("how")
	if how != "inner" && how != "left" {
		return nil, sides
	}
	l, r := g.Node(j.Inputs[0]).Schema, g.Node(j.Inputs[1]).Schema
	if l == nil || r == nil || l.Dynamic || r.Dynamic {
		return nil, sides
	}
	outs, err := frame.JoinColumns(j, l, r)
	if err != nil {
		return nil, sides
	}
	byName := map[string]frame.JoinOutput{}
	for _, o := range outs {
		byName[o.Name] = o
	}
	// The other side's key for a left key column (inner joins, exact types).
	lon, ron := j.Attrs.Strings("left_on"), j.Attrs.Strings("right_on")
	mirror := map[string]string{}
	if how == "inner" {
		for i := range lon {
			lf, rf := l.Fields[l.Lookup(lon[i])], r.Fields[r.Lookup(ron[i])]
			if lf.Type == rf.Type && exactKey(lf.Type) {
				mirror[lon[i]] = ron[i]
			}
		}
	}
	// classify says which side expression e reads (-1: none, -2: both or
	// unknown), with its renamings to that side and through the keys.
	classify := func(e *ir.Expr) (side int, toSide, toMirror map[string]string) {
		cols := map[string]bool{}
		e.Columns(cols)
		side, toSide, toMirror = -1, map[string]string{}, map[string]string{}
		for name := range cols {
			o, ok := byName[name]
			if !ok || side >= 0 && o.Side != side {
				return -2, nil, nil
			}
			side = o.Side
			src := [2]*ir.Schema{l, r}[o.Side].Fields[o.Col].Name
			toSide[name] = src
			if m, ok := mirror[src]; ok && o.Side == 0 && toMirror != nil {
				toMirror[name] = m
			} else {
				toMirror = nil
			}
		}
		if side == 1 && how != "inner" {
			return -2, nil, nil
		}
		return side, toSide, toMirror
	}
	moved = make([]bool, len(cs))
	for i, c := range cs {
		side, toSide, toMirror := classify(c)
		switch {
		case side >= 0:
			moved[i] = true
			sides[side] = append(sides[side], renameCols(c.Clone(), toSide))
			if toMirror != nil && side == 0 {
				sides[1] = append(sides[1], renameCols(c.Clone(), toMirror))
			}
		case side == -2 && isOr(c) && !done[c.String()]:
			for s, d := range implied(c, classify) {
				if d != nil && !filtered(g, j.Inputs[s], d) {
					sides[s] = append(sides[s], d)
				}
			}
		}
	}
	return moved, sides
}

// filtered reports whether a filter in the chain of filters ending at
// node id already has conjunct c (an implied predicate pushed by an
// earlier run).
func filtered(g *ir.Graph, id ir.NodeID, c *ir.Expr) bool {
	want := c.String()
	for n := g.Node(id); n.Op == "filter"; n = g.Node(n.Inputs[0]) {
		if p := n.Attrs.Expr("pred"); p != nil {
			for _, have := range conjuncts(p, nil) {
				if have.String() == want {
					return true
				}
			}
		}
	}
	return false
}

func isOr(e *ir.Expr) bool { return e.Kind == ir.ExprCall && e.Name == "or" && len(e.Args) == 2 }

func disjuncts(e *ir.Expr, dst []*ir.Expr) []*ir.Expr {
	if isOr(e) {
		return disjuncts(e.Args[1], disjuncts(e.Args[0], dst))
	}
	return append(dst, e)
}

// implied returns, per join side, the predicate on that side that the
// disjunction c implies (nil when some disjunct says nothing about it).
func implied(c *ir.Expr, classify func(*ir.Expr) (int, map[string]string, map[string]string)) [2]*ir.Expr {
	var out [2]*ir.Expr
	ds := disjuncts(c, nil)
	for s := range out {
		var alts []*ir.Expr
		for _, d := range ds {
			var parts []*ir.Expr
			for _, p := range conjuncts(d, nil) {
				if ps, toSide, _ := classify(p); ps == s && safe(p) {
					parts = append(parts, renameCols(p.Clone(), toSide))
				}
			}
			if len(parts) == 0 {
				alts = nil
				break
			}
			alts = append(alts, andAll(parts))
		}
		for _, a := range alts {
			if out[s] == nil {
				out[s] = a
			} else {
				out[s] = ir.Call("or", out[s], a)
			}
		}
	}
	return out
}

// statsHints sets scan_parquet's "stats_filter" from the filter that reads
// it, and reports whether any changed.
func statsHints(g *ir.Graph) bool {
	users := g.Users()
	index := dce.IndexUsed(g)
	output := g.OutputSet()
	changed := false
	for _, s := range g.Nodes {
		if s.Op != "scan_parquet" || s.Schema == nil {
			continue
		}
		var hint *ir.Expr
		if pf := s.Attrs.Expr("filter"); pf != nil { // a filter moved into the scan
			var cs []*ir.Expr
			for _, c := range conjuncts(pf, nil) {
				if statsUsable(c, s.Schema) {
					cs = append(cs, c.Clone())
				}
			}
			hint = andAll(cs)
		} else if len(users[s.ID]) == 1 && !output[s.ID] && !index[s.ID] {
			if f := g.Node(users[s.ID][0]); f.Op == "filter" && f.Attrs.Expr("pred") != nil {
				var cs []*ir.Expr
				for _, c := range conjuncts(f.Attrs.Expr("pred"), nil) {
					if safe(c) && statsUsable(c, s.Schema) {
						cs = append(cs, c.Clone())
					}
				}
				hint = andAll(cs)
			}
		}
		old := s.Attrs.Expr("stats_filter")
		switch {
		case hint == nil && old == nil:
		case hint == nil:
			delete(s.Attrs, "stats_filter")
			changed = true
		case old == nil || old.String() != hint.String():
			s.Attrs["stats_filter"] = hint
			changed = true
		}
	}
	return changed
}

// csvFilterMax is the largest estimated fraction of kept rows (dce.Selectivity)
// for which a filter moves into a CSV scan: parsing fewer rows of the other
// columns pays for the per-chunk evaluation and the copies only when most rows
// go (measured: TPC-H Q6's ranges gain, Q1's one-sided date bound, which keeps
// 98% of the rows, loses).
const csvFilterMax = 0.2

// csvFilters moves a filter into the scan_csv below it (see the package
// comment) and reports whether any moved.
func csvFilters(g *ir.Graph) bool {
	users := g.Users()
	index := dce.IndexUsed(g)
	output := g.OutputSet()
	// a file read more than once is left alone: cse makes it one scan
	reads := map[string]int{}
	for _, s := range g.Nodes {
		if s.Op == "scan_csv" {
			reads[s.Attrs.Str("path")]++
		}
	}
	changed := false
	for _, s := range g.Nodes {
		if s.Op != "scan_csv" || s.Schema == nil || s.Attrs.Expr("filter") != nil || reads[s.Attrs.Str("path")] > 1 ||
			len(users[s.ID]) != 1 || output[s.ID] || index[s.ID] {
			continue
		}
		f := g.Node(users[s.ID][0])
		pred := f.Attrs.Expr("pred")
		if f.Op != "filter" || pred == nil || output[f.ID] || index[f.ID] {
			continue
		}
		ok := dce.Selectivity(pred) <= csvFilterMax
		for _, c := range conjuncts(pred, nil) {
			ok = ok && safe(c)
		}
		if !ok {
			continue
		}
		s.Attrs["filter"] = pred.Clone()
		bypass(g, f.ID, s.ID)
		changed = true
	}
	return changed
}

// parquetFilterMax is the largest estimated fraction of kept rows
// (scanSelectivity) for which a filter moves into a Parquet scan. The reader
// then decodes the other columns at the kept rows only; when most rows are
// kept that saves nothing and costs a copy per row group (TPC-H Q1's
// one-sided date bound, guessed at a third, keeps 98%, and its scan would no
// longer stream). parquetJudgedMax is the larger bound for an estimate whose
// range tests were all judged by the file's statistics (or that has none):
// TPC-H q16's part filter (0.41, keeps 15%) then moves, and the query takes
// ~10-25% less CPU; so does q22's country-code and positive-balance filter
// (0.45: 0.5 for the isin, 0.91 from the balances' range; keeps 25%);
// q3's orders date bound (0.48, keeps 48%) moves too, at no measurable cost
// or gain. q4's commit/receipt date comparison (guessed at a third, keeps
// 63%) stays: moved, its scan took ~5 ms more than scan + fused filter.
const (
	parquetFilterMax = 0.2
	parquetJudgedMax = 0.5
)

// scanSelectivity is dce.Selectivity of pred over the scan s, except that
// the comparisons of one column with literals are estimated together from
// the file's statistics where the scan's reader can (dce.ScanRangeFraction:
// q12's receipt-date year is 1/7 of lineitem, where two comparisons
// guessed at a third each make 1/9; q1's ship-date bound keeps 97%, not a
// third). judged is false when some comparison's share was guessed (a
// range the statistics cannot judge, or two columns compared).
func scanSelectivity(s *ir.Node, pred *ir.Expr) (sel float64, judged bool) {
	est := dce.ScanRangeFraction[s.Op]
	sel, judged = 1.0, true
	var names []string
	ranges := map[string][]*ir.Expr{}
	for _, c := range conjuncts(pred, nil) {
		name, ok := rangeColumn(c)
		if !ok {
			sel *= dce.Selectivity(c)
			if c.Kind == ir.ExprCall && guessedComparison[c.Name] {
				judged = false // (two columns compared: q4's commit and receipt dates)
			}
			continue
		}
		if ranges[name] == nil {
			names = append(names, name)
		}
		ranges[name] = append(ranges[name], c)
	}
	for _, name := range names {
		if est != nil {
			if f, ok := est(s.Attrs, ranges[name]); ok {
				sel *= f
				continue
			}
		}
		judged = false
		for _, c := range ranges[name] {
			sel *= dce.Selectivity(c)
		}
	}
	return sel, judged
}

// guessedComparison lists the ops whose share of rows dce.Selectivity
// guesses (a third, a quarter) when the statistics cannot judge them.
var guessedComparison = map[string]bool{"lt": true, "le": true, "gt": true, "ge": true, "between": true}

// rangeColumn is the column that c compares (lt, le, gt, ge) with a
// literal, in either order.
func rangeColumn(c *ir.Expr) (string, bool) {
	if c.Kind != ir.ExprCall || len(c.Args) != 2 {
		return "", false
	}
	switch c.Name {
	case "lt", "le", "gt", "ge":
	default:
		return "", false
	}
	a, b := c.Args[0], c.Args[1]
	if a.Kind == ir.ExprLit {
		a, b = b, a
	}
	if a.Kind != ir.ExprCol || b.Kind != ir.ExprLit {
		return "", false
	}
	return a.Name, true
}

// parquetFilters moves a filter into the scan_parquet below it, as
// csvFilters does for CSV scans (see the package comment), when the file
// has no stored index labels (the scan's schema has no index levels), and
// reports whether any moved: a selective filter, or one that tests a
// string column its readers do not use (testsOnlyString).
func parquetFilters(g *ir.Graph) bool {
	users := g.Users()
	index := dce.IndexUsed(g)
	output := g.OutputSet()
	// a file read more than once is left alone: cse makes it one scan
	reads := map[string]int{}
	for _, s := range g.Nodes {
		if s.Op == "scan_parquet" {
			reads[s.Attrs.Str("path")]++
		}
	}
	needs := dce.Needs(g)
	changed := false
	for _, s := range g.Nodes {
		if s.Op != "scan_parquet" || s.Schema == nil || len(s.Schema.Index) > 0 || s.Attrs.Expr("filter") != nil ||
			reads[s.Attrs.Str("path")] > 1 || len(users[s.ID]) != 1 || output[s.ID] || index[s.ID] {
			continue
		}
		f := g.Node(users[s.ID][0])
		pred := f.Attrs.Expr("pred")
		if f.Op != "filter" || pred == nil || output[f.ID] || index[f.ID] {
			continue
		}
		sel, judged := scanSelectivity(s, pred)
		ok := sel <= parquetFilterMax || (judged && sel <= parquetJudgedMax) || testsOnlyString(pred, s.Schema, needs[f.ID])
		for _, c := range conjuncts(pred, nil) {
			ok = ok && safe(c)
		}
		if !ok {
			continue
		}
		s.Attrs["filter"] = pred.Clone()
		bypass(g, f.ID, s.ID)
		changed = true
	}
	return changed
}

// testsOnlyString reports whether pred reads a string column of schema that
// the filter's readers (out) do not use. The scan then tests that column row
// group by row group and drops it, instead of materializing it whole for the
// filter, however many rows pass (TPC-H q13: o_comment, ~100 MiB, for a
// ~str.contains that keeps 99% of the orders).
func testsOnlyString(pred *ir.Expr, schema *ir.Schema, out dce.Need) bool {
	if out.All {
		return false
	}
	refs := map[string]bool{}
	pred.Columns(refs)
	for name := range refs {
		if i := schema.Lookup(name); i >= 0 && schema.Fields[i].Type == ir.String && !out.Has(name) {
			return true
		}
	}
	return false
}

// statsUsable says whether a reader can test conjunct c against a row
// group's min/max: column <cmp> literal (either order), a literal of the
// column's kind.
func statsUsable(c *ir.Expr, s *ir.Schema) bool {
	if c.Kind != ir.ExprCall || len(c.Args) != 2 {
		return false
	}
	switch c.Name {
	case "eq", "lt", "le", "gt", "ge":
	default:
		return false
	}
	a, b := c.Args[0], c.Args[1]
	if a.Kind == ir.ExprLit {
		a, b = b, a
	}
	if a.Kind != ir.ExprCol || b.Kind != ir.ExprLit {
		return false
	}
	i := s.Lookup(a.Name)
	if i < 0 {
		return false
	}
	ct, lt := s.Fields[i].Type, b.Lit.Type
	switch {
	case ct.IsNumeric() && ct != ir.Bool:
		return lt.IsNumeric() && lt != ir.Bool
	case ct == ir.String:
		return lt == ir.String
	case ct.IsDatetime():
		return lt.IsDatetime()
	}
	return false
}
