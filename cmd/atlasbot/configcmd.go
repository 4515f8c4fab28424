package main

import (
	"context"
	"errors"
	"fmt"
	"text/tabwriter"

	"github.com/atlas-practice/atlas/internal/config"
)

func configCmd(_ context.Context, e env, args []string) int {
	fs := newFlags(e, "config", "check", "Validates every setting in the environment and prints the effective\n"+
		"configuration with secrets masked. Exits 2, naming the variable, when one is wrong.")
	if code := parse(fs, args); code >= 0 {
		return code
	}
	if fs.NArg() != 1 || fs.Arg(0) != "check" {
		fs.Usage()
		return exitConfig
	}
	cfg, ok := loadConfig(e)
	if !ok {
		return exitConfig
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	for _, kv := range cfg.Effective() {
		fmt.Fprintf(tw, "%s\t%s\n", kv[0], kv[1])
	}
	_ = tw.Flush()
	fmt.Fprintln(e.stdout, "configuration OK")
	return exitOK
}

// loadConfig loads and validates the configuration, printing the one-line
// reason when it is wrong.
func loadConfig(e env) (config.Config, bool) {
	cfg, err := config.Load(e.getenv)
	if err != nil {
		var ce *config.Error
		if errors.As(err, &ce) {
			fmt.Fprintln(e.stderr, "atlasbot:", err)
		} else {
			fmt.Fprintln(e.stderr, "atlasbot: configuration:", err)
		}
		return cfg, false
	}
	return cfg, true
}
