package main

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/config"
	"github.com/atlas-practice/atlas/internal/demo"
	"github.com/atlas-practice/atlas/internal/logging"
	"github.com/atlas-practice/atlas/internal/playground"
)

func seed(ctx context.Context, e env, args []string) int {
	fs := newFlags(e, "seed", "demo [--workspace FILE]", "Loads the demo practice the playground shows, with the team of the\n"+
		"playground's workspace file. Idempotent. Needs DATABASE_URL.")
	workspace := fs.String("workspace", "", "the playground workspace file (default "+playground.Dir+"/workspace.json)")
	if code := parse(fs, args); code >= 0 {
		return code
	}
	if fs.NArg() != 1 || fs.Arg(0) != "demo" {
		fs.Usage()
		return exitConfig
	}
	url, err := config.LoadDatabaseURL(e.getenv)
	if err != nil {
		fmt.Fprintln(e.stderr, "atlasbot:", err)
		return exitConfig
	}
	path := *workspace
	if path == "" {
		root, err := playground.FindRoot()
		if err != nil {
			fmt.Fprintln(e.stderr, "atlasbot: seed: cannot find the repository; pass --workspace FILE")
			return exitConfig
		}
		path = filepath.Join(root, playground.Dir, "workspace.json")
	}
	ws, err := playground.LoadWorkspace(path)
	if err != nil {
		fmt.Fprintln(e.stderr, "atlasbot: seed:", err)
		return exitConfig
	}
	log := logging.New(e.stderr, logging.Options{Format: "text", Secrets: append([]string{url.Reveal()}, config.DatabasePasswords(url)...)})
	if err := seedDemo(ctx, url.Reveal(), ws, log); err != nil {
		log.Error("seeding the demo failed", "err", err)
		return exitFail
	}
	fmt.Fprintf(e.stdout, "demo practice %q ready (%d people)\n", ws.Workspace.Name, len(ws.Users))
	return exitOK
}

func demoPractice(ws *playground.Workspace) demo.Practice {
	p := demo.Practice{TeamID: ws.Workspace.TeamID, Name: ws.Workspace.Name}
	if c, ok := ws.ChannelByName("billing"); ok {
		p.BillingChannel = c.ID
	}
	for _, u := range ws.Users {
		p.People = append(p.People, demo.Person{SlackUserID: u.ID, Name: u.RealName, Email: u.Email, Role: atlas.Role(u.AtlasRole)})
	}
	return p
}
