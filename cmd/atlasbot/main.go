// Command atlasbot runs Atlas, the Slack bot that runs a bookkeeping
// practice, and its maintenance tasks.
//
//	atlasbot serve            run the bot (migrating first)
//	atlasbot run              the playground without Slack tokens, serve with them
//	atlasbot migrate up       apply pending migrations
//	atlasbot migrate status   list migrations and whether each is applied
//	atlasbot config check     validate the environment and print it, secrets masked
//	atlasbot seed demo        load the demo practice (idempotent)
//	atlasbot import KIND FILE load services, team, clients, rates or past time from CSV
//	atlasbot health           ask a running server's /healthz
//	atlasbot version          print the version, VCS revision and time, and Go version
//
// Configuration comes from the environment only; see the README.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	// Timezone data inside the binary: practices name their timezone, and
	// the runtime image has no zoneinfo.
	_ "time/tzdata"
)

// Exit codes.
const (
	exitOK     = 0
	exitFail   = 1
	exitConfig = 2 // bad configuration or usage
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	code := runMain(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// env is what a subcommand gets from the outside world, so tests can run
// it in-process.
type env struct {
	getenv func(string) string
	stdout io.Writer
	stderr io.Writer
}

type subcommand struct {
	name    string
	summary string
	run     func(ctx context.Context, e env, args []string) int
}

func subcommands() []subcommand {
	return []subcommand{
		{"serve", "run the bot: migrate, then serve Slack, HTTP and jobs until SIGINT/SIGTERM", serve},
		{"run", "the playground (a local Slack in the browser) without Slack tokens; serve with them", runCmd},
		{"migrate", "apply migrations (up) or list them (status)", migrate},
		{"config", "check the configuration and print it with secrets masked (check)", configCmd},
		{"seed", "load the demo practice into the database (demo)", seed},
		{"import", "load services, the team, clients, rates or past time from a CSV file (services|team|clients|rates|time FILE)", importCmd},
		{"health", "ask a running server's /healthz (for container health checks)", health},
		{"version", "print the version, VCS revision and time, and Go version of this binary", version},
	}
}

func runMain(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	e := env{getenv: getenv, stdout: stdout, stderr: stderr}
	if len(args) > 0 && (args[0] == "--version" || args[0] == "-version") {
		args = append([]string{"version"}, args[1:]...)
	}
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stdout)
		if len(args) == 0 {
			return exitConfig
		}
		return exitOK
	}
	for _, c := range subcommands() {
		if c.name == args[0] {
			return c.run(ctx, e, args[1:])
		}
	}
	fmt.Fprintf(stderr, "atlasbot: unknown command %q; run `atlasbot --help`\n", args[0])
	return exitConfig
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "atlasbot — Atlas, the Slack bot that runs a bookkeeping practice")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Usage: atlasbot <command> [arguments]   (atlasbot <command> --help for more)")
	fmt.Fprintln(w)
	for _, c := range subcommands() {
		fmt.Fprintf(w, "  %-8s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Configuration is read from the environment; `atlasbot config check` shows it.")
}
