"""The 22 TPC-H queries in polars' lazy API, with the substitution parameters of queries.py.

Every query is ``qN(t) -> polars.LazyFrame`` where ``t`` maps a table name to a LazyFrame
(``scan_tables``); the caller runs ``.collect()``. Output columns are named and ordered as in
queries.py so answers can be compared with pandas'. The TPC-H spec text is followed (joins as the
SQL lists the tables, subqueries as separate frames); polars' optimizer reorders what it wants.
"""

from __future__ import annotations

import pathlib
from datetime import date

import polars as pl

TABLES = ("region", "nation", "supplier", "customer", "part", "partsupp", "orders", "lineitem")


def scan_tables(root, fmt: str = "csv") -> dict:
    """{table: LazyFrame} over the files gen.py wrote (dates parsed as dates)."""
    root = pathlib.Path(root) / fmt
    if fmt == "csv":
        return {t: pl.scan_csv(root / f"{t}.csv", try_parse_dates=True) for t in TABLES}
    return {t: pl.scan_parquet(root / f"{t}.parquet") for t in TABLES}


def c(name: str) -> pl.Expr:
    return pl.col(name)


def rev() -> pl.Expr:
    return c("l_extendedprice") * (1 - c("l_discount"))


def q1(t):
    return (t["lineitem"].filter(c("l_shipdate") <= date(1998, 9, 2))
            .group_by("l_returnflag", "l_linestatus")
            .agg(sum_qty=c("l_quantity").sum(), sum_base_price=c("l_extendedprice").sum(),
                 sum_disc_price=rev().sum(), sum_charge=(rev() * (1 + c("l_tax"))).sum(),
                 avg_qty=c("l_quantity").mean(), avg_price=c("l_extendedprice").mean(),
                 avg_disc=c("l_discount").mean(), count_order=pl.len())
            .sort("l_returnflag", "l_linestatus"))


def q2(t):
    j = (t["part"].join(t["partsupp"], left_on="p_partkey", right_on="ps_partkey")
         .join(t["supplier"], left_on="ps_suppkey", right_on="s_suppkey")
         .join(t["nation"], left_on="s_nationkey", right_on="n_nationkey")
         .join(t["region"], left_on="n_regionkey", right_on="r_regionkey")
         .filter((c("p_size") == 15) & c("p_type").str.ends_with("BRASS") & (c("r_name") == "EUROPE")))
    m = j.group_by("p_partkey").agg(min_cost=c("ps_supplycost").min())
    return (j.join(m, on="p_partkey").filter(c("ps_supplycost") == c("min_cost"))
            .select("s_acctbal", "s_name", "n_name", "p_partkey", "p_mfgr", "s_address", "s_phone", "s_comment")
            .sort(["s_acctbal", "n_name", "s_name", "p_partkey"], descending=[True, False, False, False])
            .head(100))


def q3(t):
    d = date(1995, 3, 15)
    return (t["customer"].filter(c("c_mktsegment") == "BUILDING")
            .join(t["orders"].filter(c("o_orderdate") < d), left_on="c_custkey", right_on="o_custkey")
            .join(t["lineitem"].filter(c("l_shipdate") > d), left_on="o_orderkey", right_on="l_orderkey")
            .group_by("o_orderkey", "o_orderdate", "o_shippriority").agg(revenue=rev().sum())
            .sort(["revenue", "o_orderdate"], descending=[True, False]).head(10)
            .select(c("o_orderkey").alias("l_orderkey"), "revenue", "o_orderdate", "o_shippriority"))


def q4(t):
    late = t["lineitem"].filter(c("l_commitdate") < c("l_receiptdate"))
    return (t["orders"].filter(c("o_orderdate").is_between(date(1993, 7, 1), date(1993, 10, 1), closed="left"))
            .join(late, left_on="o_orderkey", right_on="l_orderkey", how="semi")
            .group_by("o_orderpriority").agg(order_count=pl.len()).sort("o_orderpriority"))


def q5(t):
    return (t["region"].join(t["nation"], left_on="r_regionkey", right_on="n_regionkey")
            .join(t["customer"], left_on="n_nationkey", right_on="c_nationkey")
            .join(t["orders"], left_on="c_custkey", right_on="o_custkey")
            .join(t["lineitem"], left_on="o_orderkey", right_on="l_orderkey")
            .join(t["supplier"], left_on=["l_suppkey", "n_nationkey"], right_on=["s_suppkey", "s_nationkey"])
            .filter((c("r_name") == "ASIA")
                    & c("o_orderdate").is_between(date(1994, 1, 1), date(1995, 1, 1), closed="left"))
            .group_by("n_name").agg(revenue=rev().sum()).sort("revenue", descending=True))


def q6(t):
    return (t["lineitem"]
            .filter(c("l_shipdate").is_between(date(1994, 1, 1), date(1995, 1, 1), closed="left")
                    & c("l_discount").is_between(0.05, 0.07) & (c("l_quantity") < 24))
            .select(revenue=(c("l_extendedprice") * c("l_discount")).sum()))


def q7(t):
    n1 = t["nation"].select(n1_nationkey="n_nationkey", supp_nation="n_name")
    n2 = t["nation"].select(n2_nationkey="n_nationkey", cust_nation="n_name")
    return (t["supplier"].join(t["lineitem"], left_on="s_suppkey", right_on="l_suppkey")
            .join(t["orders"], left_on="l_orderkey", right_on="o_orderkey")
            .join(t["customer"], left_on="o_custkey", right_on="c_custkey")
            .join(n1, left_on="s_nationkey", right_on="n1_nationkey")
            .join(n2, left_on="c_nationkey", right_on="n2_nationkey")
            .filter((((c("supp_nation") == "FRANCE") & (c("cust_nation") == "GERMANY"))
                     | ((c("supp_nation") == "GERMANY") & (c("cust_nation") == "FRANCE")))
                    & c("l_shipdate").is_between(date(1995, 1, 1), date(1996, 12, 31)))
            .group_by("supp_nation", "cust_nation", l_year=c("l_shipdate").dt.year())
            .agg(revenue=rev().sum()).sort("supp_nation", "cust_nation", "l_year"))


def q8(t):
    n1 = t["nation"].select(n1_nationkey="n_nationkey", n1_regionkey="n_regionkey")
    n2 = t["nation"].select(n2_nationkey="n_nationkey", nation="n_name")
    j = (t["part"].join(t["lineitem"], left_on="p_partkey", right_on="l_partkey")
         .join(t["supplier"], left_on="l_suppkey", right_on="s_suppkey")
         .join(t["orders"], left_on="l_orderkey", right_on="o_orderkey")
         .join(t["customer"], left_on="o_custkey", right_on="c_custkey")
         .join(n1, left_on="c_nationkey", right_on="n1_nationkey")
         .join(t["region"], left_on="n1_regionkey", right_on="r_regionkey")
         .join(n2, left_on="s_nationkey", right_on="n2_nationkey")
         .filter((c("r_name") == "AMERICA") & (c("p_type") == "ECONOMY ANODIZED STEEL")
                 & c("o_orderdate").is_between(date(1995, 1, 1), date(1996, 12, 31))))
    return (j.group_by(o_year=c("o_orderdate").dt.year())
            .agg(brazil=pl.when(c("nation") == "BRAZIL").then(rev()).otherwise(0.0).sum(), total=rev().sum())
            .select("o_year", mkt_share=c("brazil") / c("total")).sort("o_year"))


def q9(t):
    return (t["part"].join(t["partsupp"], left_on="p_partkey", right_on="ps_partkey")
            .join(t["supplier"], left_on="ps_suppkey", right_on="s_suppkey")
            .join(t["lineitem"], left_on=["p_partkey", "ps_suppkey"], right_on=["l_partkey", "l_suppkey"])
            .join(t["orders"], left_on="l_orderkey", right_on="o_orderkey")
            .join(t["nation"], left_on="s_nationkey", right_on="n_nationkey")
            .filter(c("p_name").str.contains("green", literal=True))
            .group_by(nation="n_name", o_year=c("o_orderdate").dt.year())
            .agg(sum_profit=(rev() - c("ps_supplycost") * c("l_quantity")).sum())
            .sort(["nation", "o_year"], descending=[False, True]))


def q10(t):
    return (t["customer"].join(t["orders"], left_on="c_custkey", right_on="o_custkey")
            .join(t["lineitem"], left_on="o_orderkey", right_on="l_orderkey")
            .join(t["nation"], left_on="c_nationkey", right_on="n_nationkey")
            .filter(c("o_orderdate").is_between(date(1993, 10, 1), date(1994, 1, 1), closed="left")
                    & (c("l_returnflag") == "R"))
            .group_by("c_custkey", "c_name", "c_acctbal", "c_phone", "n_name", "c_address", "c_comment")
            .agg(revenue=rev().sum())
            .select("c_custkey", "c_name", "revenue", "c_acctbal", "n_name", "c_address", "c_phone", "c_comment")
            .sort("revenue", descending=True).head(20))


def q11(t):
    j = (t["partsupp"].join(t["supplier"], left_on="ps_suppkey", right_on="s_suppkey")
         .join(t["nation"], left_on="s_nationkey", right_on="n_nationkey")
         .filter(c("n_name") == "GERMANY").with_columns(value=c("ps_supplycost") * c("ps_availqty")))
    threshold = j.select(threshold=c("value").sum() * 0.0001)
    return (j.group_by("ps_partkey").agg(value=c("value").sum()).join(threshold, how="cross")
            .filter(c("value") > c("threshold")).select("ps_partkey", "value").sort("value", descending=True))


def q12(t):
    high = c("o_orderpriority").is_in(["1-URGENT", "2-HIGH"])
    return (t["orders"].join(t["lineitem"], left_on="o_orderkey", right_on="l_orderkey")
            .filter(c("l_shipmode").is_in(["MAIL", "SHIP"]) & (c("l_commitdate") < c("l_receiptdate"))
                    & (c("l_shipdate") < c("l_commitdate"))
                    & c("l_receiptdate").is_between(date(1994, 1, 1), date(1995, 1, 1), closed="left"))
            .group_by("l_shipmode")
            .agg(high_line_count=high.cast(pl.Int64).sum(), low_line_count=(~high).cast(pl.Int64).sum())
            .sort("l_shipmode"))


def q13(t):
    o = t["orders"].filter(~c("o_comment").str.contains("special.*requests"))
    return (t["customer"].join(o, left_on="c_custkey", right_on="o_custkey", how="left")
            .group_by("c_custkey").agg(c_count=c("o_orderkey").count())
            .group_by("c_count").agg(custdist=pl.len())
            .sort(["custdist", "c_count"], descending=[True, True]))


def q14(t):
    return (t["lineitem"].join(t["part"], left_on="l_partkey", right_on="p_partkey")
            .filter(c("l_shipdate").is_between(date(1995, 9, 1), date(1995, 10, 1), closed="left"))
            .select(promo_revenue=100.0 * pl.when(c("p_type").str.starts_with("PROMO")).then(rev()).otherwise(0.0).sum()
                    / rev().sum()))


def q15(t):
    r = (t["lineitem"].filter(c("l_shipdate").is_between(date(1996, 1, 1), date(1996, 4, 1), closed="left"))
         .group_by("l_suppkey").agg(total_revenue=rev().sum()))
    return (t["supplier"].join(r, left_on="s_suppkey", right_on="l_suppkey")
            .filter(c("total_revenue") == c("total_revenue").max())
            .select("s_suppkey", "s_name", "s_address", "s_phone", "total_revenue").sort("s_suppkey"))


def q16(t):
    bad = t["supplier"].filter(c("s_comment").str.contains("Customer.*Complaints"))
    ps = t["partsupp"].join(bad, left_on="ps_suppkey", right_on="s_suppkey", how="anti")
    return (t["part"].join(ps, left_on="p_partkey", right_on="ps_partkey")
            .filter((c("p_brand") != "Brand#45") & ~c("p_type").str.starts_with("MEDIUM POLISHED")
                    & c("p_size").is_in([49, 14, 23, 45, 19, 3, 36, 9]))
            .group_by("p_brand", "p_type", "p_size").agg(supplier_cnt=c("ps_suppkey").n_unique())
            .sort(["supplier_cnt", "p_brand", "p_type", "p_size"], descending=[True, False, False, False]))


def q17(t):
    j = (t["part"].filter((c("p_brand") == "Brand#23") & (c("p_container") == "MED BOX"))
         .join(t["lineitem"], left_on="p_partkey", right_on="l_partkey"))
    avg = j.group_by("p_partkey").agg(avg_quantity=0.2 * c("l_quantity").mean())
    return (j.join(avg, on="p_partkey").filter(c("l_quantity") < c("avg_quantity"))
            .select(avg_yearly=c("l_extendedprice").sum() / 7.0))


def q18(t):
    big = (t["lineitem"].group_by("l_orderkey").agg(sum_quantity=c("l_quantity").sum())
           .filter(c("sum_quantity") > 300))
    return (t["customer"].join(t["orders"].join(big, left_on="o_orderkey", right_on="l_orderkey", how="semi"),
                               left_on="c_custkey", right_on="o_custkey")
            .join(t["lineitem"], left_on="o_orderkey", right_on="l_orderkey")
            .group_by(["c_name", "c_custkey", "o_orderkey", "o_orderdate", "o_totalprice"])
            .agg(col6=c("l_quantity").sum())
            .sort(["o_totalprice", "o_orderdate"], descending=[True, False]).head(100))


def q19(t):
    def case(brand, containers, lo, hi, size):
        return ((c("p_brand") == brand) & c("p_container").is_in(containers)
                & c("l_quantity").is_between(lo, hi) & c("p_size").is_between(1, size))
    return (t["lineitem"].join(t["part"], left_on="l_partkey", right_on="p_partkey")
            .filter(c("l_shipmode").is_in(["AIR", "AIR REG"]) & (c("l_shipinstruct") == "DELIVER IN PERSON")
                    & (case("Brand#12", ["SM CASE", "SM BOX", "SM PACK", "SM PKG"], 1, 11, 5)
                       | case("Brand#23", ["MED BAG", "MED BOX", "MED PKG", "MED PACK"], 10, 20, 10)
                       | case("Brand#34", ["LG CASE", "LG BOX", "LG PACK", "LG PKG"], 20, 30, 15)))
            .select(revenue=rev().sum()))


def q20(t):
    p = t["part"].filter(c("p_name").str.starts_with("forest"))
    q = (t["lineitem"].filter(c("l_shipdate").is_between(date(1994, 1, 1), date(1995, 1, 1), closed="left"))
         .group_by("l_partkey", "l_suppkey").agg(sum_quantity=c("l_quantity").sum() * 0.5))
    ps = (t["partsupp"].join(p, left_on="ps_partkey", right_on="p_partkey", how="semi")
          .join(q, left_on=["ps_partkey", "ps_suppkey"], right_on=["l_partkey", "l_suppkey"])
          .filter(c("ps_availqty") > c("sum_quantity")))
    return (t["supplier"].join(t["nation"], left_on="s_nationkey", right_on="n_nationkey")
            .filter(c("n_name") == "CANADA")
            .join(ps, left_on="s_suppkey", right_on="ps_suppkey", how="semi")
            .select("s_name", "s_address").sort("s_name"))


def q21(t):
    li = t["lineitem"]
    multi = li.group_by("l_orderkey").agg(n=c("l_suppkey").n_unique()).filter(c("n") > 1)
    late = li.filter(c("l_receiptdate") > c("l_commitdate"))
    only = late.group_by("l_orderkey").agg(n=c("l_suppkey").n_unique()).filter(c("n") == 1)
    return (t["supplier"].join(late, left_on="s_suppkey", right_on="l_suppkey")
            .join(t["orders"], left_on="l_orderkey", right_on="o_orderkey")
            .join(t["nation"], left_on="s_nationkey", right_on="n_nationkey")
            .filter((c("o_orderstatus") == "F") & (c("n_name") == "SAUDI ARABIA"))
            .join(multi, on="l_orderkey", how="semi").join(only, on="l_orderkey", how="semi")
            .group_by("s_name").agg(numwait=pl.len())
            .sort(["numwait", "s_name"], descending=[True, False]).head(100))


def q22(t):
    cust = (t["customer"].with_columns(cntrycode=c("c_phone").str.slice(0, 2))
            .filter(c("cntrycode").is_in(["13", "31", "23", "29", "30", "18", "17"])))
    avg = cust.filter(c("c_acctbal") > 0.0).select(avg=c("c_acctbal").mean())
    return (cust.join(avg, how="cross").filter(c("c_acctbal") > c("avg"))
            .join(t["orders"], left_on="c_custkey", right_on="o_custkey", how="anti")
            .group_by("cntrycode").agg(numcust=pl.len(), totacctbal=c("c_acctbal").sum())
            .sort("cntrycode"))


QUERIES = {f"q{i}": globals()[f"q{i}"] for i in range(1, 23)}
