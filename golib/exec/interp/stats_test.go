package interp

import (
	"math"
	"testing"

	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/ir"
)

// Expected values come from pandas 3.1.1 (the helpers are in groupby_test.go).

func TestValueCounts(t *testing.T) {
	ints := gtFrame("x", gtI64(3, 1, 2, 2, 3, 1, 5, 4))
	floats := gtFrame("x", gtF64(3, gtNaN, 1, 2, gtNaN, 2, 3, 1, gtNegZero, 0, 5))
	strs := gtFrame("x", gtStr("c", nil, "a", "b", "b", nil, "c", "a", "é", "日本"))
	counts := func(idx *col.Column, c ...int64) *col.Frame {
		return gtIndexed(gtFrame("count", gtI64(c...)), "x", idx)
	}
	props := func(idx *col.Column, p ...float64) *col.Frame {
		return gtIndexed(gtFrame("proportion", gtF64(p...)), "x", idx)
	}
	gtRunCases(t, "value_counts", []gtCase{
		// ties keep the order of first appearance (a stable sort by count)
		// pd.Series([3, 1, 2, 2, 3, 1, 5, 4], name="x").value_counts()
		{"int", ints, ir.Attrs{"column": "x"}, counts(gtI64(3, 1, 2, 5, 4), 2, 2, 2, 1, 1)},
		{"int_ascending", ints, ir.Attrs{"column": "x", "ascending": true}, counts(gtI64(5, 4, 3, 1, 2), 1, 1, 2, 2, 2)},
		{"int_unsorted", ints, ir.Attrs{"column": "x", "sort": false}, counts(gtI64(3, 1, 2, 5, 4), 2, 2, 2, 1, 1)},
		{"int_normalize", ints, ir.Attrs{"column": "x", "normalize": true},
			props(gtI64(3, 1, 2, 5, 4), 0.25, 0.25, 0.25, 0.125, 0.125)},
		// -0.0 and 0.0 count as one value, labelled by the first seen
		// pd.Series([3.0, nan, 1.0, 2.0, nan, 2.0, 3.0, 1.0, -0.0, 0.0, 5.0], name="x").value_counts(...)
		{"float", floats, ir.Attrs{"column": "x"}, counts(gtF64(3, 1, 2, gtNegZero, 5), 2, 2, 2, 2, 1)},
		{"float_keep_na", floats, ir.Attrs{"column": "x", "dropna": false},
			counts(gtF64(3, gtNaN, 1, 2, gtNegZero, 5), 2, 2, 2, 2, 2, 1)},
		{"float_keep_na_ascending", floats, ir.Attrs{"column": "x", "dropna": false, "ascending": true},
			counts(gtF64(5, 3, gtNaN, 1, 2, gtNegZero), 1, 2, 2, 2, 2, 2)},
		{"float_normalize", floats, ir.Attrs{"column": "x", "normalize": true},
			props(gtF64(3, 1, 2, gtNegZero, 5), 0.2222222222222222, 0.2222222222222222, 0.2222222222222222,
				0.2222222222222222, 0.1111111111111111)},
		{"float_normalize_keep_na", floats, ir.Attrs{"column": "x", "normalize": true, "dropna": false},
			props(gtF64(3, gtNaN, 1, 2, gtNegZero, 5), 0.18181818181818182, 0.18181818181818182, 0.18181818181818182,
				0.18181818181818182, 0.18181818181818182, 0.09090909090909091)},
		// pd.Series(["c", None, "a", "b", "b", None, "c", "a", "é", "日本"], name="x").value_counts(...)
		{"str", strs, ir.Attrs{"column": "x"}, counts(gtStr("c", "a", "b", "é", "日本"), 2, 2, 2, 1, 1)},
		{"str_keep_na", strs, ir.Attrs{"column": "x", "dropna": false},
			counts(gtStr("c", nil, "a", "b", "é", "日本"), 2, 2, 2, 2, 1, 1)},
		{"str_keep_na_unsorted", strs, ir.Attrs{"column": "x", "dropna": false, "sort": false},
			counts(gtStr("c", nil, "a", "b", "é", "日本"), 2, 2, 2, 2, 1, 1)},
		// pd.Series([True, None, False, None, True, False, False], dtype=object, name="x").value_counts(dropna=False)
		{"bool_null", gtFrame("x", gtBool(true, nil, false, nil, true, false, false)),
			ir.Attrs{"column": "x", "dropna": false}, counts(gtBool(false, true, nil), 3, 2, 2)},
		{"empty", gtFrame("x", gtF64()), ir.Attrs{"column": "x"}, counts(gtF64())},
	})
}

func TestDistinct(t *testing.T) {
	gtRunCases(t, "distinct", []gtCase{
		// pd.Series([0.0, -0.0, nan, -0.0, nan, 1.5]).unique() -> [0.0, nan, 1.5]
		{"float", gtFrame("x", gtF64(0, gtNegZero, gtNaN, gtNegZero, gtNaN, 1.5)), ir.Attrs{"column": "x"},
			gtFrame("x", gtF64(0, gtNaN, 1.5))},
		{"neg_zero_first", gtFrame("x", gtF64(gtNegZero, 0)), ir.Attrs{"column": "x"}, gtFrame("x", gtF64(gtNegZero))},
		{"str", gtFrame("x", gtStr("b", nil, "a", nil, "b", "é")), ir.Attrs{"column": "x"},
			gtFrame("x", gtStr("b", nil, "a", "é"))},
		{"int", gtFrame("y", gtF64(1), "x", gtI64(3, 1, 3, 2)), ir.Attrs{"column": "x"}, gtFrame("x", gtI64(3, 1, 2))},
		{"bool_null", gtFrame("x", gtBool(true, nil, false, nil)), ir.Attrs{"column": "x"},
			gtFrame("x", gtBool(true, nil, false))},
		{"datetime", gtFrame("x", gtDT(nil, 1577836800000000, nil)), ir.Attrs{"column": "x"},
			gtFrame("x", gtDT(nil, 1577836800000000))},
		{"empty", gtFrame("x", gtStr()), ir.Attrs{"column": "x"}, gtFrame("x", gtStr())},
	})
}

func TestDescribe(t *testing.T) {
	stats := gtStr("count", "mean", "std", "min", "25%", "50%", "75%", "max")
	gtRunCases(t, "describe", []gtCase{
		{
			// df = pd.DataFrame({"i": np.array([2**63-1, -2**63, 5, 7, 9, 11]), "f": [1.5, nan, -2.0, 0.25, nan, 10.0],
			//     "s": ["a"] * 6, "b": [True] * 6, "f32": np.array([0.1, 0.2, nan, 0.4, 0.5, 0.7], dtype=np.float32),
			//     "g32": np.array([0.1, 0.2, 0.3, 0.4, 0.5, 1e6], dtype=np.float32),
			//     "i32": np.array([2**31-1, -2**31, 0, 1, 2, 3], dtype=np.int32), "e": [nan] * 6})
			// df.describe()
			name: "mixed",
			in: gtFrame("i", gtI64(math.MaxInt64, math.MinInt64, 5, 7, 9, 11), "f", gtF64(1.5, gtNaN, -2, 0.25, gtNaN, 10),
				"s", gtStr("a", "a", "a", "a", "a", "a"), "b", gtBool(true, true, true, true, true, true),
				"f32", gtF32(0.1, 0.2, gtNaN, 0.4, 0.5, 0.7), "g32", gtF32(0.1, 0.2, 0.3, 0.4, 0.5, 1e6),
				"i32", gtI32(math.MaxInt32, math.MinInt32, 0, 1, 2, 3), "e", gtF64(gtNaN, gtNaN, gtNaN, gtNaN, gtNaN, gtNaN)),
			attrs: ir.Attrs{},
			want: gtIndexed(gtFrame(
				"i", gtF64(6, 5.333333333333333, 5.833372668713516e+18, -9.223372036854776e+18, 5.5, 8, 10.5, 9.223372036854776e+18),
				"f", gtF64(4, 2.4375, 5.245533814589321, -2, -0.3125, 0.875, 3.625, 10),
				"f32", gtF64(5, 0.3800000250339508, 0.23874671757221222, 0.10000000149011612, 0.20000000298023224,
					0.4000000059604645, 0.5, 0.699999988079071),
				"g32", gtF64(6, 166666.921875, 408248.15625, 0.10000000149011612, 0.22500000521540642,
					0.3500000089406967, 0.4750000014901161, 1000000),
				"i32", gtF64(6, 0.8333333333333334, 1358187912.8132315, -2147483648, 0.25, 1.5, 2.75, 2147483647),
				"e", gtF64(0, gtNaN, gtNaN, gtNaN, gtNaN, gtNaN, gtNaN, gtNaN)),
				"", stats),
		},
		{
			// pd.DataFrame({"a": [1, 2, 3, 4]}).describe()
			name:  "ints",
			in:    gtFrame("a", gtI64(1, 2, 3, 4)),
			attrs: ir.Attrs{},
			want:  gtIndexed(gtFrame("a", gtF64(4, 2.5, 1.2909944487358056, 1, 1.75, 2.5, 3.25, 4)), "", stats),
		},
		{
			// pd.DataFrame({"a": [7.0]}).describe()
			name:  "one_row",
			in:    gtFrame("a", gtF64(7)),
			attrs: ir.Attrs{},
			want:  gtIndexed(gtFrame("a", gtF64(1, 7, gtNaN, 7, 7, 7, 7, 7)), "", stats),
		},
		{
			// pd.Series([1.0, inf]).describe(): numpy's lerp gives inf - inf
			name:  "infinite",
			in:    gtFrame("a", gtF64(1, math.Inf(1))),
			attrs: ir.Attrs{},
			want: gtIndexed(gtFrame("a", gtF64(2, math.Inf(1), gtNaN, 1, math.Inf(1), gtNaN, gtNaN, math.Inf(1))),
				"", stats),
		},
	})
	if _, err := gtRun(t, "describe", ir.Attrs{}, gtFrame("s", gtStr("a"))); err == nil {
		t.Error("describe without numeric columns: no error")
	}
}

func TestDropna(t *testing.T) {
	in := gtFrame("a", gtF64(1, gtNaN, gtNaN, 4), "b", gtStr("x", nil, "y", "z"), "c", gtI64(1, 2, 3, 4))
	indexed := gtIndexed(gtFrame("a", gtF64(1, gtNaN, gtNaN), "b", gtStr("x", nil, "y")), "key", gtStr("p", "q", "r"))
	gtRunCases(t, "dropna", []gtCase{
		// df.dropna(): the kept rows keep their labels
		{"any", in, ir.Attrs{},
			gtIndexed(gtFrame("a", gtF64(1, 4), "b", gtStr("x", "z"), "c", gtI64(1, 4)), "", gtI64(0, 3))},
		{"all", in, ir.Attrs{"how": "all"},
			gtIndexed(gtFrame("a", gtF64(1, gtNaN, gtNaN, 4), "b", gtStr("x", nil, "y", "z"), "c", gtI64(1, 2, 3, 4)), "", gtI64(0, 1, 2, 3))},
		{"subset", in, ir.Attrs{"subset": gtKeys("b")},
			gtIndexed(gtFrame("a", gtF64(1, gtNaN, 4), "b", gtStr("x", "y", "z"), "c", gtI64(1, 3, 4)), "", gtI64(0, 2, 3))},
		{"subset_all", in, ir.Attrs{"subset": gtKeys("a", "b"), "how": "all"},
			gtIndexed(gtFrame("a", gtF64(1, gtNaN, 4), "b", gtStr("x", "y", "z"), "c", gtI64(1, 3, 4)), "", gtI64(0, 2, 3))},
		// df.dropna(subset=[]) keeps every row; how="all" drops every row
		{"empty_subset", in, ir.Attrs{"subset": gtKeys()},
			gtIndexed(gtFrame("a", gtF64(1, gtNaN, gtNaN, 4), "b", gtStr("x", nil, "y", "z"), "c", gtI64(1, 2, 3, 4)), "", gtI64(0, 1, 2, 3))},
		{"empty_subset_all", in, ir.Attrs{"subset": gtKeys(), "how": "all"},
			gtIndexed(gtFrame("a", gtF64(), "b", gtStr(), "c", gtI64()), "", gtI64())},
		{"keeps_index", indexed, ir.Attrs{},
			gtIndexed(gtFrame("a", gtF64(1), "b", gtStr("x")), "key", gtStr("p"))},
		{"datetime_and_bool", gtFrame("t", gtDT(1, nil, 3), "b", gtBool(nil, true, false)), ir.Attrs{},
			gtIndexed(gtFrame("t", gtDT(3), "b", gtBool(false)), "", gtI64(2))},
	})
}

// Reductions over 20000 rows, where numpy's summation order (pairwise,
// buffered casts) and pandas' kernels (Kahan, Welford, reduceat) show in the
// last bits. The data is generated identically in Python:
//
//	n = 20000
//	i = [((j*2654435761) % 1000003) * 1000000007 + j for j in range(n)]   # int64
//	f = [(((j*7919) % 10007) / 7.0 - 500.0) + 1e-3*j for j in range(n)]
//	df = pd.DataFrame({"i": i, "f": f, "f32": np.float32(f), "k": [j % 7 ...], "m": [j*7 // n ...]})
func TestNumpyReductions(t *testing.T) {
	const n = 20000
	iv := make([]int64, n)
	fv := make([]float64, n)
	kv := make([]int64, n)
	mv := make([]int64, n)
	for j := 0; j < n; j++ {
		iv[j] = int64((j*2654435761)%1000003)*1000000007 + int64(j)
		fv[j] = (float64((j*7919)%10007)/7.0 - 500.0) + float64(1e-3*float64(j))
		kv[j] = int64(j % 7)
		mv[j] = int64(j * 7 / n)
	}
	in := gtFrame("i", gtI64(iv...), "f", gtF64(fv...), "f32", gtF32(fv...), "k", gtI64(kv...), "m", gtI64(mv...))
	fns := func(c string) []any {
		return gtAggs("s:"+c+":sum", "mn:"+c+":mean", "v:"+c+":var", "sd:"+c+":std", "md:"+c+":median")
	}
	k7 := gtI64(0, 1, 2, 3, 4, 5, 6)
	gtRunCases(t, "groupby_agg", []gtCase{
		{"int_whole", in, ir.Attrs{"keys": gtKeys(), "aggs": fns("i")},
			gtFrame("s", gtI64(-8442369786478942097), "mn", gtF64(500218714361530.56), "v", gtF64(8.33418403018175e+28),
				"sd", gtF64(288689868720427.2), "md", gtF64(500203503515087.5))},
		{"float_whole", in, ir.Attrs{"keys": gtKeys(), "aggs": fns("f")},
			gtFrame("s", gtF64(4494405.285714285), "mn", gtF64(224.72026428571428), "v", gtF64(170352.49245767345),
				"sd", gtF64(412.7378011009816), "md", gtF64(224.7235))},
		{"float32_whole", in, ir.Attrs{"keys": gtKeys(), "aggs": fns("f32")},
			gtFrame("s", gtF32(4494405.0), "mn", gtF32(224.72024536132812), "v", gtF32(170352.5),
				"sd", gtF32(412.7378234863281), "md", gtF32(224.7235107421875))},
		{"int_by_k", in, ir.Attrs{"keys": gtKeys("k"), "aggs": fns("i")},
			gtIndexed(gtFrame(
				"s", gtI64(1451422051188532858, 1410113468899355642, 1439331633103885647, 1424549665000414728,
					1426767748015944166, 1437985858094473793, 1414203862928002685),
				"mn", gtF64(507845364306694.44, 493564392334391.2, 503791261149417.44, 498617313615825.94,
					499393681489654.94, 503320216343883.0, 494996101829892.4),
				"v", gtF64(8.345866023424871e+28, 8.40938925746987e+28, 8.1822256965242e+28, 8.532859746330603e+28,
					8.139950910892246e+28, 8.509472744239658e+28, 8.221486151890013e+28),
				"sd", gtF64(288892125600973.6, 289989469765194.56, 286045900102137.44, 292110591152231.3,
					285305992066276.94, 291710005728971.5, 286731340315111.25),
				"md", gtF64(515794503614418.5, 487057003427418.0, 507609003565347.0, 497167003488943.0,
					498604003502139.0, 506367003551854.0, 489599003438931.0)),
				"k", k7)},
		{"int_by_m", in, ir.Attrs{"keys": gtKeys("m"), "aggs": fns("i")},
			gtIndexed(gtFrame(
				"s", gtI64(1433635409039530446, 1426679507999001588, 1431723643042472982, 1425767745008944145,
					1427811871031415476, 1427855991039886765, 1430900120069358117),
				"mn", gtF64(501621906591858.1, 499362795939447.56, 501128331481439.6, 499043662936277.25,
					499759142818136.4, 499774585593240.06, 500840084028476.75),
				"v", gtF64(8.339262829780534e+28, 8.334881649296789e+28, 8.336031947263836e+28, 8.337333074231862e+28,
					8.338778317295749e+28, 8.331935454357862e+28, 8.33800125700771e+28),
				"sd", gtF64(288777818223293.1, 288701950968412.9, 288721872175695.0, 288744403828574.0,
					288769429083061.9, 288650921605281.94, 288755974085519.3),
				"md", gtF64(502547003519210.5, 497817003487953.0, 502648003526749.0, 498734003501941.0,
					500301003514939.0, 499846003515632.0, 501413003528630.0)),
				"m", k7)},
		{"float_by_k", in, ir.Attrs{"keys": gtKeys("k"), "aggs": fns("f")},
			gtIndexed(gtFrame(
				"s", gtF64(638858.2852857143, 644696.1432857143, 641662.1431428571, 641487.2858571429,
					641312.4285714285, 643996.7141428571, 642392.2854285714),
				"mn", gtF64(223.53333984804559, 225.65493289664485, 224.59297974898743, 224.53177663883196,
					224.47057352867643, 225.41012045602278, 224.84854232711635),
				"v", gtF64(170506.03214863513, 170330.79527197054, 170364.36540324555, 170454.93956155636,
					170367.31961139938, 170468.5684057409, 170330.36609727328),
				"sd", gtF64(412.9237606975834, 412.7115157976217, 412.7521840078445, 412.8618892094018,
					412.7557626628602, 412.8783942103787, 412.7109958521499),
				"md", gtF64(223.89557142857143, 225.37971428571433, 224.96442857142856, 223.9288571428571,
					224.48257142857145, 225.65657142857145, 224.621)),
				"k", k7)},
		{"float_by_m", in, ir.Attrs{"keys": gtKeys("m"), "aggs": fns("f")},
			gtIndexed(gtFrame(
				"s", gtF64(618450.2244285714, 626880.8162857144, 633381.8367142857, 641312.4285714286,
					650672.5918571429, 658603.1837142856, 665104.2041428572),
				"mn", gtF64(216.39266075177446, 219.4192566628332, 221.6947275863793, 224.47057352867645,
					227.7467944897245, 230.52264043202157, 232.7981113555678),
				"v", gtF64(170471.857878561, 170370.02089902732, 170309.19425298186, 170343.4391623949,
					170349.97555440722, 170343.32447329705, 170422.63215574896),
				"sd", gtF64(412.88237777672344, 412.7590349090221, 412.6853453334415, 412.7268335865684,
					412.73475205561164, 412.7266946458601, 412.822761189047),
				"md", gtF64(216.64921428571427, 218.96128571428568, 221.65271428571432, 224.34414285714288,
					227.03557142857144, 230.62414285714289, 232.5568571428571)),
				"m", k7)},
		{"float32_by_k", in, ir.Attrs{"keys": gtKeys("k"), "aggs": fns("f32")},
			gtIndexed(gtFrame(
				"s", gtF32(638858.3125, 644696.125, 641662.125, 641487.3125, 641312.4375, 643996.6875, 642392.3125),
				"mn", gtF32(223.53335571289062, 225.65492248535156, 224.5929718017578, 224.5317840576172,
					224.4705810546875, 225.4101104736328, 224.8485565185547),
				"v", gtF32(170505.984375, 170330.984375, 170364.3125, 170455.0, 170367.171875, 170468.53125, 170330.421875),
				"sd", gtF32(412.92376708984375, 412.7115173339844, 412.752197265625, 412.86187744140625,
					412.7557678222656, 412.8783874511719, 412.71099853515625),
				"md", gtF32(223.89556884765625, 225.3797149658203, 224.9644317626953, 223.92886352539062,
					224.48257446289062, 225.6565704345703, 224.62100219726562)),
				"k", k7)},
		{
			// mn: pandas returns float64 here (216.3926607115524, ...); the
			// schema says float32, so these are rounded
			"float32_by_m", in, ir.Attrs{"keys": gtKeys("m"), "aggs": fns("f32")},
			gtIndexed(gtFrame(
				"s", gtF32(618450.1875, 626880.8125, 633381.8125, 641312.4375, 650672.625, 658603.125, 665104.125),
				"mn", gtF32(216.3926607115524, 219.419256585657, 221.69472757348902, 224.4705735583994,
					227.7467945004244, 230.52264047100863, 232.798111434033),
				"v", gtF32(170471.78125, 170370.125, 170309.125, 170343.59375, 170349.921875, 170343.46875, 170422.75),
				"sd", gtF32(412.88238525390625, 412.759033203125, 412.6853332519531, 412.7268371582031,
					412.7347412109375, 412.7266845703125, 412.82275390625),
				"md", gtF32(216.64920043945312, 218.96128845214844, 221.6527099609375, 224.34414672851562,
					227.0355682373047, 230.6241455078125, 232.55685424804688)),
				"m", k7),
		},
	})
	// df[["i", "f", "f32"]].describe()
	got, err := gtRun(t, "describe", ir.Attrs{}, gtFrame("i", gtI64(iv...), "f", gtF64(fv...), "f32", gtF32(fv...)))
	if err != nil {
		t.Fatal(err)
	}
	gtCheckFrame(t, got, gtIndexed(gtFrame(
		"i", gtF64(20000, 500218714361530.56, 288689868720427.2, 0, 250428501760892.25, 500203503515087.5,
			750298255257257.2, 999945007015494.0),
		"f", gtF64(20000, 224.72026428571428, 412.7378011009816, -500, -132.7039642857143, 224.7235,
			582.1509642857143, 947.6527142857142),
		"f32", gtF64(20000, 224.72024536132812, 412.7378234863281, -500, -132.7039680480957, 224.72350311279297,
			582.1509552001953, 947.6527099609375)),
		"", gtStr("count", "mean", "std", "min", "25%", "50%", "75%", "max")))
}
