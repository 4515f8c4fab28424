package main

import (
	"context"
	"fmt"
	"strconv"

	"github.com/atlas-practice/atlas/internal/config"
	"github.com/atlas-practice/atlas/internal/maildev"
)

// defaultPlaygroundMailPort is where the playground's mail inbox listens
// unless PLAYGROUND_MAIL_PORT says otherwise: maildev's own default, so the
// address is the one its users expect.
const defaultPlaygroundMailPort = 1080

// defaultPlaygroundFrom is the sender of the playground's email unless
// SMTP_FROM says otherwise.
const defaultPlaygroundFrom = "Atlas <atlas@playground.test>"

// playgroundMail is where the playground's email goes.
type playgroundMail struct {
	inbox string            // the web inbox to open; "" when SMTP_HOST names the server
	env   map[string]string // SMTP_* settings that point Atlas at maildev
	stop  func()
}

// startPlaygroundMail gives the playground a mail server a person can look
// into: without SMTP_HOST it starts maildev and returns the settings that
// send Atlas's email there; with SMTP_HOST set it leaves that server to the
// configuration. stop ends maildev; it is safe to call in either case.
func startPlaygroundMail(ctx context.Context, getenv func(string) string) (*playgroundMail, error) {
	if getenv("SMTP_HOST") != "" {
		return &playgroundMail{stop: func() {}}, nil
	}
	port := defaultPlaygroundMailPort
	if p := getenv("PLAYGROUND_MAIL_PORT"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 || n > 65535 {
			return nil, &config.Error{Var: "PLAYGROUND_MAIL_PORT", Expected: "expected a port number, or 0 for any free port"}
		}
		port = n
	}
	md, err := maildev.Start(ctx, maildev.Options{WebPort: port})
	if err != nil {
		if port != 0 {
			return nil, fmt.Errorf("%w\n(if port %d is taken, set PLAYGROUND_MAIL_PORT to another port, or to 0 for any free one)", err, port)
		}
		return nil, err
	}
	from := getenv("SMTP_FROM")
	if from == "" {
		from = defaultPlaygroundFrom
	}
	smtp := md.SMTPConfig(from)
	return &playgroundMail{
		inbox: md.URL(),
		env: map[string]string{
			"SMTP_HOST":     smtp.Host,
			"SMTP_PORT":     strconv.Itoa(smtp.Port),
			"SMTP_TLS":      smtp.TLS,
			"SMTP_FROM":     smtp.From,
			"SMTP_USERNAME": "",
			"SMTP_PASSWORD": "",
		},
		stop: func() { _ = md.Stop() },
	}, nil
}
