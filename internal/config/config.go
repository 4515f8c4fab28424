// Package config reads Atlas's configuration from the environment and
// validates it, so a bad value stops the program at start with one line that
// names the variable, instead of failing later in the middle of work.
//
// There is no global configuration: Load returns a Config that main passes
// down.
package config

import (
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Slack transport modes.
const (
	ModeSocket = "socket" // Socket Mode: Atlas dials Slack; no public URL needed
	ModeHTTP   = "http"   // Slack posts to Atlas's request URLs
)

// Config is Atlas's effective configuration.
type Config struct {
	DatabaseURL Secret // a postgres:// URL; may hold a password

	SlackMode          string
	SlackBotToken      Secret
	SlackAppToken      Secret
	SlackSigningSecret Secret
	SlackAPIURL        string // empty for Slack itself

	HTTPAddr        string
	ShutdownTimeout time.Duration
	// CommandAck is how long a slash command may take to answer within its
	// acknowledgement (SLACK_COMMAND_ACK).
	CommandAck time.Duration
	// JobsTick is how often each replica's job leader looks for periodic
	// work that is due (JOBS_TICK).
	JobsTick time.Duration
	// JobsRescueAfter is how long a background job may run before it is
	// taken for one lost with a stopped process and run again
	// (JOBS_RESCUE_AFTER).
	JobsRescueAfter time.Duration

	LogLevel  string
	LogFormat string

	SMTP SMTP

	// BootstrapAdmins are Slack user ids made admins on first contact, so a
	// new practice has someone who can set it up.
	BootstrapAdmins []string

	// PortalURL is the client portal's public base URL, without a trailing
	// slash: sign-in links emailed to clients are PortalURL +
	// "/portal/login?t=" + token.
	PortalURL string
	// PortalSecret signs the portal's sign-in links; empty: no link signs
	// in.
	PortalSecret Secret
	// InboxAddr is the smart inbox's SMTP listen address; empty: no inbox.
	InboxAddr string
	// InboxDomains are the domains whose mail the inbox takes.
	InboxDomains []string
}

// SMTP is the outgoing mail server. Host empty means mail is not sent.
type SMTP struct {
	Host     string
	Port     int
	Username string
	Password Secret
	From     string
	TLS      string // starttls, tls or none
}

// Error names the variable at fault and what it should hold.
type Error struct {
	Var      string
	Expected string
}

func (e *Error) Error() string { return fmt.Sprintf("config: %s: %s", e.Var, e.Expected) }

// Var describes one setting for the documentation and `config check`.
type Var struct {
	Name    string
	Default string
	Doc     string
}

// Vars lists every setting, in the order the README documents them.
var Vars = []Var{
	{"DATABASE_URL", "", "PostgreSQL URL, e.g. postgres://atlas:atlas@127.0.0.1:5432/atlas"},
	{"SLACK_MODE", "socket", "socket (Socket Mode, no public URL) or http (Slack posts to /slack/*)"},
	{"SLACK_BOT_TOKEN", "", "bot token, xoxb-…"},
	{"SLACK_APP_TOKEN", "", "app-level token with connections:write, xapp-… (socket mode)"},
	{"SLACK_SIGNING_SECRET", "", "signing secret that verifies Slack's requests (http mode)"},
	{"SLACK_API_URL", "", "Web API base URL; empty for Slack itself (tests and the playground set it)"},
	{"HTTP_ADDR", ":8080", "address of the HTTP server (health, metrics, Slack request URLs)"},
	{"SHUTDOWN_TIMEOUT", "8s", "how long a stop waits for work in flight"},
	{"SLACK_COMMAND_ACK", "10ms", "how long a slash command may take to answer within its acknowledgement when its handler runs alone; a slower answer follows through the response_url"},
	{"JOBS_TICK", "1m", "how often the periodic jobs (monthly packs, billing runs, reminders, digests) look for work that is due"},
	{"JOBS_RESCUE_AFTER", "2m", "how long a background job may run before it is taken for one lost with a stopped process and run again"},
	{"LOG_LEVEL", "info", "debug, info, warn or error"},
	{"LOG_FORMAT", "json", "json or text"},
	{"SMTP_HOST", "", "mail server; empty turns email off"},
	{"SMTP_PORT", "587", "mail server port"},
	{"SMTP_USERNAME", "", "mail server user"},
	{"SMTP_PASSWORD", "", "mail server password"},
	{"SMTP_FROM", "", "sender address of invoices and reminders"},
	{"SMTP_TLS", "starttls", "starttls, tls or none"},
	{"ATLAS_ADMINS", "", "comma-separated Slack user ids made admins on first contact"},
	{"PORTAL_URL", "http://127.0.0.1:8080", "the client portal's public base URL, which emailed sign-in links point at"},
	{"PORTAL_SECRET", "", "secret that signs the portal's sign-in links (at least 32 characters)"},
	{"INBOX_ADDR", "", "listen address of the smart inbox's SMTP server, such as :2525; empty turns the inbox off"},
	{"INBOX_DOMAINS", "", "comma-separated domains the inbox takes mail for, such as in.ledgerline.example (needed with INBOX_ADDR)"},
}

// Load reads the configuration through getenv (os.Getenv in production) and
// validates it. The error is an *Error naming the first variable at fault.
func Load(getenv func(string) string) (Config, error) {
	get := func(name string) string {
		if v := strings.TrimSpace(getenv(name)); v != "" {
			return v
		}
		for _, v := range Vars {
			if v.Name == name {
				return v.Default
			}
		}
		return ""
	}
	var c Config
	var err error
	if c.DatabaseURL, err = LoadDatabaseURL(getenv); err != nil {
		return c, err
	}

	c.SlackMode = strings.ToLower(get("SLACK_MODE"))
	if c.SlackMode != ModeSocket && c.SlackMode != ModeHTTP {
		return c, &Error{"SLACK_MODE", `expected "socket" or "http"`}
	}
	c.SlackBotToken = Secret(get("SLACK_BOT_TOKEN"))
	if !strings.HasPrefix(string(c.SlackBotToken), "xoxb-") {
		return c, &Error{"SLACK_BOT_TOKEN", "required: a bot token starting with xoxb-"}
	}
	c.SlackAppToken = Secret(get("SLACK_APP_TOKEN"))
	c.SlackSigningSecret = Secret(get("SLACK_SIGNING_SECRET"))
	switch c.SlackMode {
	case ModeSocket:
		if !strings.HasPrefix(string(c.SlackAppToken), "xapp-") {
			return c, &Error{"SLACK_APP_TOKEN", "required in socket mode: an app-level token starting with xapp-"}
		}
	case ModeHTTP:
		if len(c.SlackSigningSecret) < 16 {
			return c, &Error{"SLACK_SIGNING_SECRET", "required in http mode: the app's signing secret (at least 16 characters)"}
		}
	}
	if c.SlackAppToken != "" && !strings.HasPrefix(string(c.SlackAppToken), "xapp-") {
		return c, &Error{"SLACK_APP_TOKEN", "expected an app-level token starting with xapp-"}
	}
	c.SlackAPIURL = get("SLACK_API_URL")
	if c.SlackAPIURL != "" {
		u, err := url.Parse(c.SlackAPIURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return c, &Error{"SLACK_API_URL", "expected an http(s) URL such as http://127.0.0.1:3000/api/"}
		}
		if !strings.HasSuffix(c.SlackAPIURL, "/") {
			c.SlackAPIURL += "/"
		}
	}

	c.HTTPAddr = get("HTTP_ADDR")
	if _, port, err := net.SplitHostPort(c.HTTPAddr); err != nil || !validPort(port, true) {
		return c, &Error{"HTTP_ADDR", "expected host:port such as :8080 or 127.0.0.1:8080"}
	}
	d, err := time.ParseDuration(get("SHUTDOWN_TIMEOUT"))
	if err != nil || d <= 0 || d > 5*time.Minute {
		return c, &Error{"SHUTDOWN_TIMEOUT", "expected a duration between 1s and 5m, such as 8s"}
	}
	c.ShutdownTimeout = d
	d, err = time.ParseDuration(get("SLACK_COMMAND_ACK"))
	if err != nil || d < time.Millisecond || d > 2500*time.Millisecond {
		return c, &Error{"SLACK_COMMAND_ACK", "expected a duration between 1ms and 2.5s, such as 10ms"}
	}
	c.CommandAck = d
	d, err = time.ParseDuration(get("JOBS_TICK"))
	if err != nil || d < time.Second || d > time.Hour {
		return c, &Error{"JOBS_TICK", "expected a duration between 1s and 1h, such as 1m"}
	}
	c.JobsTick = d
	d, err = time.ParseDuration(get("JOBS_RESCUE_AFTER"))
	// Not under 10 s: below a job's own work (a post waits up to 3 s for
	// its turn), every job would be cut off and rescued.
	if err != nil || d < 10*time.Second || d > 24*time.Hour {
		return c, &Error{"JOBS_RESCUE_AFTER", "expected a duration between 10s and 24h, such as 2m"}
	}
	c.JobsRescueAfter = d

	c.LogLevel = strings.ToLower(get("LOG_LEVEL"))
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		return c, &Error{"LOG_LEVEL", "expected debug, info, warn or error"}
	}
	c.LogFormat = strings.ToLower(get("LOG_FORMAT"))
	if c.LogFormat != "json" && c.LogFormat != "text" {
		return c, &Error{"LOG_FORMAT", `expected "json" or "text"`}
	}

	c.SMTP.Host = get("SMTP_HOST")
	port := get("SMTP_PORT")
	if !validPort(port, false) {
		return c, &Error{"SMTP_PORT", "expected a port number between 1 and 65535"}
	}
	c.SMTP.Port, _ = strconv.Atoi(port)
	c.SMTP.Username = get("SMTP_USERNAME")
	c.SMTP.Password = Secret(get("SMTP_PASSWORD"))
	c.SMTP.From = get("SMTP_FROM")
	c.SMTP.TLS = strings.ToLower(get("SMTP_TLS"))
	if c.SMTP.TLS != "starttls" && c.SMTP.TLS != "tls" && c.SMTP.TLS != "none" {
		return c, &Error{"SMTP_TLS", "expected starttls, tls or none"}
	}
	if c.SMTP.Host != "" {
		if _, err := mail.ParseAddress(c.SMTP.From); err != nil {
			return c, &Error{"SMTP_FROM", "required with SMTP_HOST: the sender address, such as Atlas <billing@example.com>"}
		}
	}

	for _, id := range strings.Split(get("ATLAS_ADMINS"), ",") {
		id = strings.TrimSpace(id)
		if id == "" {
			continue
		}
		if !slackUserID(id) {
			return c, &Error{"ATLAS_ADMINS", fmt.Sprintf("expected comma-separated Slack user ids such as U012AB3CD; %q is not one", id)}
		}
		c.BootstrapAdmins = append(c.BootstrapAdmins, id)
	}

	c.PortalURL = strings.TrimRight(get("PORTAL_URL"), "/")
	if u, err := url.Parse(c.PortalURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return c, &Error{"PORTAL_URL", "expected the portal's public http(s) base URL, such as https://portal.example.com"}
	}
	c.PortalSecret = Secret(get("PORTAL_SECRET"))
	if c.PortalSecret != "" && len(c.PortalSecret) < 32 {
		return c, &Error{"PORTAL_SECRET", "expected at least 32 characters, such as the output of openssl rand -hex 32"}
	}
	c.InboxAddr = get("INBOX_ADDR")
	for _, d := range strings.Split(get("INBOX_DOMAINS"), ",") {
		if d = strings.ToLower(strings.TrimSpace(d)); d != "" {
			c.InboxDomains = append(c.InboxDomains, d)
		}
	}
	if c.InboxAddr != "" && len(c.InboxDomains) == 0 {
		return c, &Error{"INBOX_DOMAINS", "required with INBOX_ADDR: the domains the inbox takes mail for, such as in.example.com"}
	}
	return c, nil
}

// LoadDatabaseURL reads and checks DATABASE_URL alone, for the commands
// that only need the database (migrate).
func LoadDatabaseURL(getenv func(string) string) (Secret, error) {
	s := Secret(strings.TrimSpace(getenv("DATABASE_URL")))
	if s == "" {
		return "", &Error{"DATABASE_URL", "required: a PostgreSQL URL such as postgres://atlas:atlas@127.0.0.1:5432/atlas"}
	}
	if u, err := url.Parse(string(s)); err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") || u.Host == "" {
		return "", &Error{"DATABASE_URL", "expected a postgres:// URL with a host, such as postgres://atlas:atlas@127.0.0.1:5432/atlas"}
	}
	return s, nil
}

func validPort(s string, allowZero bool) bool {
	n, err := strconv.Atoi(s)
	if err != nil {
		return false
	}
	return n <= 65535 && (n >= 1 || (allowZero && n == 0))
}

func slackUserID(s string) bool {
	if len(s) < 2 || (s[0] != 'U' && s[0] != 'W') {
		return false
	}
	for _, r := range s[1:] {
		if (r < 'A' || r > 'Z') && (r < '0' || r > '9') {
			return false
		}
	}
	return true
}

// Secrets returns the secret values in use, for the log scrubber.
func (c Config) Secrets() []string {
	var out []string
	for _, s := range []Secret{c.SlackBotToken, c.SlackAppToken, c.SlackSigningSecret, c.SMTP.Password, c.PortalSecret} {
		if s != "" {
			out = append(out, string(s))
		}
	}
	return append(out, DatabasePasswords(c.DatabaseURL)...)
}

// Effective lists every setting with its value as `config check` prints
// it: secrets masked, the database password hidden.
func (c Config) Effective() [][2]string {
	return [][2]string{
		{"DATABASE_URL", maskURL(string(c.DatabaseURL))},
		{"SLACK_MODE", c.SlackMode},
		{"SLACK_BOT_TOKEN", c.SlackBotToken.Masked()},
		{"SLACK_APP_TOKEN", c.SlackAppToken.Masked()},
		{"SLACK_SIGNING_SECRET", c.SlackSigningSecret.Masked()},
		{"SLACK_API_URL", orDash(c.SlackAPIURL, "(Slack)")},
		{"HTTP_ADDR", c.HTTPAddr},
		{"SHUTDOWN_TIMEOUT", c.ShutdownTimeout.String()},
		{"SLACK_COMMAND_ACK", c.CommandAck.String()},
		{"JOBS_TICK", c.JobsTick.String()},
		{"JOBS_RESCUE_AFTER", c.JobsRescueAfter.String()},
		{"LOG_LEVEL", c.LogLevel},
		{"LOG_FORMAT", c.LogFormat},
		{"SMTP_HOST", orDash(c.SMTP.Host, "(email off)")},
		{"SMTP_PORT", strconv.Itoa(c.SMTP.Port)},
		{"SMTP_USERNAME", orDash(c.SMTP.Username, "")},
		{"SMTP_PASSWORD", c.SMTP.Password.Masked()},
		{"SMTP_FROM", orDash(c.SMTP.From, "")},
		{"SMTP_TLS", c.SMTP.TLS},
		{"ATLAS_ADMINS", orDash(strings.Join(c.BootstrapAdmins, ","), "(none)")},
		{"PORTAL_URL", c.PortalURL},
		{"PORTAL_SECRET", c.PortalSecret.Masked()},
		{"INBOX_ADDR", orDash(c.InboxAddr, "(inbox off)")},
		{"INBOX_DOMAINS", orDash(strings.Join(c.InboxDomains, ","), "")},
	}
}

func orDash(s, empty string) string {
	if s == "" {
		if empty == "" {
			return "-"
		}
		return empty
	}
	return s
}

// DatabasePasswords returns the passwords a database URL carries, in its
// user part or as a password= query parameter (which pgx also accepts).
func DatabasePasswords(dbURL Secret) []string {
	u, err := url.Parse(string(dbURL))
	if err != nil {
		return nil
	}
	var out []string
	if u.User != nil {
		if p, ok := u.User.Password(); ok && p != "" {
			out = append(out, p)
		}
	}
	if p := u.Query().Get("password"); p != "" {
		out = append(out, p)
	}
	return out
}

func maskURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(unparseable)"
	}
	if u.User != nil {
		if _, ok := u.User.Password(); ok {
			u.User = url.UserPassword(u.User.Username(), "xxxxx")
		}
	}
	if q := u.Query(); q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return u.String()
}
