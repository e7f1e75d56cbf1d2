// Command peer is the benchmark's reference point: it runs
// github.com/hashicorp/awspolicyequivalence (the comparison Terraform's AWS
// provider uses) on the pair files the Node benchmark writes.
//
// It first checks its verdict on every pair against the manifest's expected
// one and exits 2 if any differs, so a disagreement can never pass for a
// timing. With -ms > 0 it then times PoliciesAreEquivalent on the pairs the
// manifest marks as timed, for about that many milliseconds each, and prints
// one JSON line on stdout.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"time"

	awspolicy "github.com/hashicorp/awspolicyequivalence"
)

const library = "github.com/hashicorp/awspolicyequivalence"

type pair struct {
	Name     string `json:"name"`
	A        string `json:"a"`
	B        string `json:"b"`
	Expected bool   `json:"expected"`
	Timed    bool   `json:"timed"`
}

type manifest struct {
	Pairs []pair `json:"pairs"`
}

type result struct {
	Name       string  `json:"name"`
	Equivalent bool    `json:"equivalent"`
	NsPerOp    float64 `json:"nsPerOp,omitempty"`
	Ops        int     `json:"ops,omitempty"`
}

type report struct {
	Library string   `json:"library"`
	Version string   `json:"version"`
	Go      string   `json:"go"`
	Pairs   []result `json:"pairs"`
}

// sink keeps the compiler from treating the timed calls as dead code.
var sink bool

func main() {
	manifestPath := flag.String("manifest", "", "the pairs manifest written by the Node benchmark")
	budget := flag.Duration("budget", 0, "time each timed pair for about this long (0: check verdicts only)")
	flag.Parse()
	if *manifestPath == "" {
		fail(1, "usage: peer -manifest PATH [-budget 150ms]")
	}
	m, texts := load(*manifestPath)

	out := report{Library: library, Version: libraryVersion(), Go: goVersion()}
	for i, p := range m.Pairs {
		a, b := texts[i][0], texts[i][1]
		equivalent, err := awspolicy.PoliciesAreEquivalent(a, b)
		if err != nil {
			fail(2, "pair %s: %s refused it: %v", p.Name, library, err)
		}
		if equivalent != p.Expected {
			fail(2, "pair %s: %s says equivalent=%v, the benchmark expects %v", p.Name, library, equivalent, p.Expected)
		}
		r := result{Name: p.Name, Equivalent: equivalent}
		if *budget > 0 && p.Timed {
			r.NsPerOp, r.Ops = timeCompare(a, b, *budget)
		}
		out.Pairs = append(out.Pairs, r)
	}
	if err := json.NewEncoder(os.Stdout).Encode(out); err != nil {
		fail(1, "writing the report: %v", err)
	}
}

func load(path string) (manifest, [][2]string) {
	raw, err := os.ReadFile(path)
	if err != nil {
		fail(1, "reading the manifest: %v", err)
	}
	var m manifest
	if err := json.Unmarshal(raw, &m); err != nil {
		fail(1, "parsing the manifest %s: %v", path, err)
	}
	if len(m.Pairs) == 0 {
		fail(1, "the manifest %s lists no pairs", path)
	}
	dir := filepath.Dir(path)
	texts := make([][2]string, len(m.Pairs))
	for i, p := range m.Pairs {
		for side, file := range []string{p.A, p.B} {
			body, err := os.ReadFile(filepath.Join(dir, file))
			if err != nil {
				fail(1, "pair %s: %v", p.Name, err)
			}
			texts[i][side] = string(body)
		}
	}
	return m, texts
}

// timeCompare grows the number of calls until one run lasts at least budget,
// as the testing package's benchmarks do, and returns that run's ns per call.
func timeCompare(a, b string, budget time.Duration) (float64, int) {
	for n := 1; ; n *= 2 {
		start := time.Now()
		for i := 0; i < n; i++ {
			sink, _ = awspolicy.PoliciesAreEquivalent(a, b)
		}
		elapsed := time.Since(start)
		if elapsed >= budget || n >= 1<<30 {
			return float64(elapsed.Nanoseconds()) / float64(n), n
		}
	}
}

func libraryVersion() string {
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, dep := range info.Deps {
			if dep.Path == library {
				return dep.Version
			}
		}
	}
	return "unknown"
}

func goVersion() string {
	if info, ok := debug.ReadBuildInfo(); ok {
		return info.GoVersion
	}
	return "unknown"
}

func fail(code int, format string, args ...any) {
	fmt.Fprintf(os.Stderr, "[peer] "+format+"\n", args...)
	os.Exit(code)
}
