package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/slack-go/slack/socketmode"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/config"
	"github.com/atlas-practice/atlas/internal/db"
	"github.com/atlas-practice/atlas/internal/demo"
	"github.com/atlas-practice/atlas/internal/logging"
	"github.com/atlas-practice/atlas/internal/playground"
	"github.com/atlas-practice/atlas/internal/portal"
)

// defaultPlaygroundPort is where the playground's local Slack listens unless
// PLAYGROUND_PORT says otherwise.
const defaultPlaygroundPort = 3000

func runCmd(ctx context.Context, e env, args []string) int {
	fs := newFlags(e, "run", "", "With SLACK_BOT_TOKEN set, the same as serve: Atlas in a real workspace.\n"+
		"Without it, the playground: starts local-slack (a local Slack with a web UI,\n"+
		"on PLAYGROUND_PORT, default 3000), loads the demo practice, runs Atlas\n"+
		"against it and prints the URL to open. Without SMTP_HOST it also starts\n"+
		"maildev, a local mail server whose inbox (on PLAYGROUND_MAIL_PORT, default\n"+
		"1080) shows the email Atlas sends.")
	if code := parse(fs, args); code >= 0 {
		return code
	}
	if e.getenv("SLACK_BOT_TOKEN") != "" {
		return serve(ctx, e, nil)
	}
	return runPlayground(ctx, e)
}

func runPlayground(ctx context.Context, e env) int {
	say := func(format string, a ...any) { fmt.Fprintf(e.stdout, "playground: "+format+"\n", a...) }
	port := defaultPlaygroundPort
	if p := e.getenv("PLAYGROUND_PORT"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 || n > 65535 {
			fmt.Fprintln(e.stderr, "atlasbot: config: PLAYGROUND_PORT: expected a port number, or 0 for any free port")
			return exitConfig
		}
		port = n
	}
	say("no SLACK_BOT_TOKEN set, so Atlas runs against a local Slack")
	if e.getenv("SMTP_HOST") == "" {
		say("no SMTP_HOST set, so Atlas's email goes to maildev, a local mail server with an inbox")
	}
	mailbox, err := startPlaygroundMail(ctx, e.getenv)
	var cfgErr *config.Error
	switch {
	case errors.As(err, &cfgErr):
		fmt.Fprintln(e.stderr, "atlasbot:", err)
		return exitConfig
	case err != nil:
		fmt.Fprintln(e.stderr, "atlasbot: playground:", err)
		return exitFail
	}
	defer mailbox.stop()
	if port == 0 {
		say("starting local-slack on a free port")
	} else {
		say("starting local-slack on port %d", port)
	}
	ls, err := playground.StartLocalSlack(ctx, playground.Options{Port: port})
	if err != nil {
		fmt.Fprintln(e.stderr, "atlasbot: playground:", err)
		return exitFail
	}
	defer func() { _ = ls.Stop() }()
	ws, err := playground.LoadWorkspace(ls.ConfigPath())
	if err != nil {
		fmt.Fprintln(e.stderr, "atlasbot: playground:", err)
		return exitFail
	}
	bot := ws.Bot()
	var admins []string
	for _, u := range ws.Users {
		if u.AtlasRole == string(atlas.RoleAdmin) {
			admins = append(admins, u.ID)
		}
	}
	// The workspace decides how to reach Slack; the rest keeps any value
	// the caller set, with defaults suited to a local run.
	forced := map[string]string{
		"SLACK_MODE":      "socket",
		"SLACK_BOT_TOKEN": bot.BotToken,
		"SLACK_APP_TOKEN": bot.AppToken,
		"SLACK_API_URL":   ls.APIURL(),
		"ATLAS_ADMINS":    strings.Join(admins, ","),
	}
	maps.Copy(forced, mailbox.env)
	// A portal secret of this run's own unless one is set: the portal's
	// sign-in links then work until the playground stops.
	secret := make([]byte, 32)
	_, _ = rand.Read(secret)
	defaults := map[string]string{"LOG_FORMAT": "text", "HTTP_ADDR": "127.0.0.1:8080", "PORTAL_SECRET": hex.EncodeToString(secret),
		"INBOX_ADDR": "127.0.0.1:0", "INBOX_DOMAINS": "in.ledgerline.example"}
	pe := env{stdout: e.stdout, stderr: e.stderr, getenv: func(k string) string {
		if v, ok := forced[k]; ok {
			return v
		}
		if v := e.getenv(k); v != "" {
			return v
		}
		return defaults[k]
	}}
	cfg, ok := loadConfig(pe)
	if !ok {
		return exitConfig
	}
	log := logging.New(e.stderr, logging.Options{Level: cfg.LogLevel, Format: cfg.LogFormat, Secrets: cfg.Secrets()})
	slog.SetDefault(log)

	say("loading the demo practice %q", ws.Workspace.Name)
	if err := seedDemo(ctx, cfg.DatabaseURL.Reveal(), ws, log); err != nil {
		log.Error("seeding the demo failed", "err", err)
		return exitFail
	}
	portalLink, portalClient, err := demoPortalLink(ctx, cfg, ws)
	if err != nil {
		log.Warn("no portal link for the demo", "err", err)
	}
	hooks := &serverHooks{
		// local-slack pings an idle socket only every couple of minutes;
		// slack-go would otherwise reconnect after 30 s without one.
		socketOptions: []socketmode.Option{socketmode.OptionPingInterval(5 * time.Minute)},
		inbox: func(addr string) {
			say("the smart inbox takes mail over SMTP at %s for docs+CODE@in.ledgerline.example (such as docs+ACME@…): its files reach the client's pack", addr)
		},
		started: func(addr string) {
			waitCtx, cancel := context.WithTimeout(ctx, 15*time.Second)
			defer cancel()
			if err := ls.WaitConnected(waitCtx, bot.AppID); err != nil {
				log.Warn("the bot has not connected to local-slack yet", "err", err)
			}
			practiceCh, _ := ws.ChannelByName("practice")
			say("ready — open %s", ls.ChannelURL(practiceCh.ID))
			if mailbox.inbox != "" {
				say("email Atlas sends lands in the inbox at %s", mailbox.inbox)
			} else {
				say("email goes to %s:%d (SMTP_HOST)", cfg.SMTP.Host, cfg.SMTP.Port)
			}
			if portalLink != "" {
				say("the client portal, signed in as %s's contact: %s — upload a bank statement and watch its item tick in Slack", portalClient, portalLink)
			}
			say("pick a person under \"Act as\" (Bea is staff, Mina manager, Park partner, Ada admin) and type /atlas help")
			say("Atlas health: http://%s/healthz — stop with Ctrl-C", addr)
		},
	}
	if err := runServer(ctx, cfg, log, hooks); err != nil {
		log.Error("atlasbot stopped with an error", "err", err)
		return exitFail
	}
	return exitOK
}

func seedDemo(ctx context.Context, url string, ws *playground.Workspace, log *slog.Logger) error {
	pool, err := db.Open(ctx, url)
	if err != nil {
		return err
	}
	defer pool.Close()
	if err := db.Migrate(ctx, pool, log); err != nil {
		return err
	}
	return demo.Seed(ctx, pool, demoPractice(ws))
}

// demoPortalLink is a sign-in link to the portal for the contact of the
// demo client whose pack waits on its documents.
func demoPortalLink(ctx context.Context, cfg config.Config, ws *playground.Workspace) (link, client string, err error) {
	pool, err := db.Open(ctx, cfg.DatabaseURL.Reveal())
	if err != nil {
		return "", "", err
	}
	defer pool.Close()
	pid := atlas.PracticeID(demoPractice(ws).TeamID)
	contact, client, err := demo.PortalContact(ctx, pool, pid)
	if err != nil {
		return "", "", err
	}
	signer := portal.Signer{Secret: []byte(cfg.PortalSecret.Reveal())}
	var token string
	if err := db.InTx(ctx, pool, func(tx pgx.Tx) (err error) {
		token, err = signer.NewLink(ctx, tx, pid, contact, time.Now())
		return err
	}); err != nil {
		return "", "", err
	}
	return cfg.PortalURL + "/portal/login?t=" + token, client, nil
}
