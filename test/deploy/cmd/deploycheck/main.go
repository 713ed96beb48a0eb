// Command deploycheck checks deployment assets with the same code as the
// tests in test/deploy, for `make lint`:
//
//	deploycheck terraform DIR POLICIES parse every .tf file under DIR with the HCL parser and
//	                                   evaluate the Rego policies of POLICIES over it
//	deploycheck dashboard-rules OUT F  write the PromQL of Grafana dashboards F... as a Prometheus rules
//	                                   file OUT, so `promtool check rules OUT` validates their syntax
package main

import (
	"fmt"
	"os"

	"github.com/zebralabs/zebra/test/deploy/internal/grafana"
	"github.com/zebralabs/zebra/test/deploy/internal/tfcheck"
)

func main() {
	if len(os.Args) < 3 {
		usage()
	}
	var err error
	switch os.Args[1] {
	case "terraform":
		if len(os.Args) != 4 {
			usage()
		}
		err = terraform(os.Args[2], os.Args[3])
	case "dashboard-rules":
		if len(os.Args) < 4 {
			usage()
		}
		err = dashboardRules(os.Args[2], os.Args[3:])
	default:
		usage()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "deploycheck:", err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: deploycheck terraform DIR POLICIES | deploycheck dashboard-rules OUT DASHBOARD.json...")
	os.Exit(2)
}

func terraform(dir, policies string) error {
	cfg, diags := tfcheck.Load(dir)
	for _, d := range diags {
		fmt.Fprintln(os.Stderr, d.Error())
	}
	if diags.HasErrors() {
		return fmt.Errorf("%s: %d HCL errors", dir, len(diags.Errs()))
	}
	findings, err := tfcheck.Check(cfg, policies)
	if err != nil {
		return err
	}
	for _, f := range findings {
		fmt.Fprintln(os.Stderr, f)
	}
	if len(findings) > 0 {
		return fmt.Errorf("%s: %d security/validity findings", dir, len(findings))
	}
	fmt.Printf("terraform: %d files in %d modules parse; the policies of %s pass\n", cfg.Files, len(cfg.Modules), policies)
	return nil
}

func dashboardRules(out string, files []string) error {
	var exprs []grafana.Query
	for _, f := range files {
		d, err := grafana.Load(f)
		if err != nil {
			return err
		}
		exprs = append(exprs, d.Queries()...)
	}
	if err := os.WriteFile(out, grafana.RulesFile(exprs), 0o644); err != nil {
		return err
	}
	fmt.Printf("dashboard-rules: %d queries from %d dashboards written to %s\n", len(exprs), len(files), out)
	return nil
}
