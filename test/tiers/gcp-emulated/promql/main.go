// promql-eval: evaluates one PromQL query with Prometheus' own engine (github.com/prometheus/prometheus,
// pinned in go.mod) over series given on stdin, for the gcp-emulated tier's overdue-alert test.
// Input: {"query", "cases": [{"name", "at" (unix s), "series": [{"labels", "samples": [{"t" (unix s), "v"}]}]}]}.
// Output: {"parseError"} or {"results": [{"name", "firing" (the result vector is not empty), "values", "error"}]}.
// Each case gets a fresh TSDB in a temporary folder, removed afterwards. Built and cached by tier.ts.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql"
	"github.com/prometheus/prometheus/promql/parser"
	"github.com/prometheus/prometheus/tsdb"
)

type sample struct {
	T int64   `json:"t"`
	V float64 `json:"v"`
}

type series struct {
	Labels  map[string]string `json:"labels"`
	Samples []sample          `json:"samples"`
}

type evalCase struct {
	Name   string   `json:"name"`
	Series []series `json:"series"`
	At     int64    `json:"at"`
}

type input struct {
	Query string     `json:"query"`
	Cases []evalCase `json:"cases"`
}

type result struct {
	Name   string    `json:"name"`
	Firing bool      `json:"firing"`
	Values []float64 `json:"values"`
	Error  string    `json:"error,omitempty"`
}

func run(query string, c evalCase) result {
	r := result{Name: c.Name, Values: []float64{}}
	dir, err := os.MkdirTemp("", "promql-eval-")
	if err != nil {
		r.Error = err.Error()
		return r
	}
	defer os.RemoveAll(dir)
	db, err := tsdb.Open(dir, nil, nil, tsdb.DefaultOptions(), nil)
	if err != nil {
		r.Error = err.Error()
		return r
	}
	defer db.Close()
	ctx := context.Background()
	app := db.Appender(ctx)
	for _, s := range c.Series {
		lbls := labels.FromMap(s.Labels)
		for _, p := range s.Samples {
			if _, err := app.Append(0, lbls, p.T*1000, p.V); err != nil {
				r.Error = fmt.Sprintf("append %v@%d: %v", s.Labels, p.T, err)
				return r
			}
		}
	}
	if err := app.Commit(); err != nil {
		r.Error = err.Error()
		return r
	}
	engine := promql.NewEngine(promql.EngineOpts{MaxSamples: 50_000_000, Timeout: time.Minute, LookbackDelta: 5 * time.Minute})
	q, err := engine.NewInstantQuery(ctx, db, nil, query, time.Unix(c.At, 0))
	if err != nil {
		r.Error = err.Error()
		return r
	}
	defer q.Close()
	res := q.Exec(ctx)
	if res.Err != nil {
		r.Error = res.Err.Error()
		return r
	}
	vec, err := res.Vector()
	if err != nil {
		r.Error = err.Error()
		return r
	}
	for _, s := range vec {
		r.Values = append(r.Values, s.F)
	}
	r.Firing = len(vec) > 0
	return r
}

func main() {
	var in input
	if err := json.NewDecoder(os.Stdin).Decode(&in); err != nil {
		fmt.Fprintln(os.Stderr, "promql-eval: bad input:", err)
		os.Exit(2)
	}
	out := map[string]any{}
	if _, err := parser.NewParser(parser.Options{}).ParseExpr(in.Query); err != nil {
		out["parseError"] = err.Error()
	} else {
		results := []result{}
		for _, c := range in.Cases {
			results = append(results, run(in.Query, c))
		}
		out["results"] = results
	}
	if err := json.NewEncoder(os.Stdout).Encode(out); err != nil {
		os.Exit(1)
	}
}
