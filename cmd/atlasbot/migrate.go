package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"text/tabwriter"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/atlas-practice/atlas/internal/config"
	"github.com/atlas-practice/atlas/internal/db"
	"github.com/atlas-practice/atlas/internal/logging"
)

func migrate(ctx context.Context, e env, args []string) int {
	fs := newFlags(e, "migrate", "up|status", "up      applies pending migrations (Atlas's and the jobs engine's) under an\n"+
		"        advisory lock, so replicas starting together take turns.\n"+
		"status  lists Atlas's migrations and whether each is applied.\n"+
		"Needs DATABASE_URL only.")
	if code := parse(fs, args); code >= 0 {
		return code
	}
	if fs.NArg() != 1 || (fs.Arg(0) != "up" && fs.Arg(0) != "status") {
		fs.Usage()
		return exitConfig
	}
	url, err := config.LoadDatabaseURL(e.getenv)
	if err != nil {
		fmt.Fprintln(e.stderr, "atlasbot:", err)
		return exitConfig
	}
	log := logging.New(e.stderr, logging.Options{Level: e.getenv("LOG_LEVEL"), Format: "text", Secrets: append([]string{url.Reveal()}, config.DatabasePasswords(url)...)})
	pool, err := db.Open(ctx, url.Reveal())
	if err != nil {
		log.Error("cannot open the database", "err", err)
		return exitFail
	}
	defer pool.Close()
	if fs.Arg(0) == "up" {
		if err := db.Migrate(ctx, pool, log); err != nil {
			log.Error("migration failed", "err", err)
			return exitFail
		}
		fmt.Fprintln(e.stdout, "migrations up to date")
		return exitOK
	}
	return printStatus(ctx, pool, e.stdout, log)
}

func printStatus(ctx context.Context, pool *pgxpool.Pool, w io.Writer, log *slog.Logger) int {
	states, err := db.Status(ctx, pool)
	if err != nil {
		log.Error("cannot read migration status", "err", err)
		return exitFail
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "VERSION\tFILE\tSTATE")
	pending := 0
	for _, s := range states {
		state := "applied"
		if !s.Applied {
			state = "pending"
			pending++
		}
		fmt.Fprintf(tw, "%05d\t%s\t%s\n", s.Version, s.File, state)
	}
	_ = tw.Flush()
	fmt.Fprintf(w, "%d applied, %d pending\n", len(states)-pending, pending)
	return exitOK
}
