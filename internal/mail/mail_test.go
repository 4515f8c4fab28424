package mail_test

import (
	"bytes"
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/atlas-practice/atlas/internal/config"
	"github.com/atlas-practice/atlas/internal/mail"
	"github.com/atlas-practice/atlas/internal/mail/mailtest"
	"github.com/atlas-practice/atlas/internal/maildev"
)

const from = "Ledger & Co <billing@ledger.test>"

// startMaildev starts maildev for one test. It is required, not optional:
// `make test` installs it (mail-deps) first, so a missing install is a
// broken setup, and a skip would hide that email is untested.
func startMaildev(ctx context.Context, t *testing.T) *maildev.Server {
	t.Helper()
	md, err := maildev.Start(ctx, maildev.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := md.Stop(); err != nil {
			t.Errorf("stop maildev: %v", err)
		}
	})
	return md
}

func newSender(t *testing.T, cfg config.SMTP) *mail.Sender {
	t.Helper()
	s, err := mail.NewSender(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// invoice is a message shaped like the ones Atlas sends.
func invoice(id string) mail.Message {
	return mail.Message{
		To:        []string{"Ada Lovelace <ada@client.test>"},
		CC:        []string{"books@client.test"},
		ReplyTo:   "Park <park@ledger.test>",
		Subject:   "Invoice INV-2024-042 — Brücke GmbH",
		Text:      "Dear Ada,\n\nplease find invoice INV-2024-042 attached.\n",
		HTML:      "<p>Dear Ada,</p><p>please find invoice <b>INV-2024-042</b> attached.</p>",
		MessageID: id,
		Headers:   map[string]string{"X-Atlas-Invoice": "INV-2024-042"},
		Attachments: []mail.Attachment{{
			Name:        "INV-2024-042.pdf",
			ContentType: "application/pdf",
			// Bytes that a text transfer would mangle: NUL, high bytes,
			// a bare CR and a line that is a lone dot.
			Data: append([]byte("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"), []byte("\x00\x01\xff\r.\r\n.\r\nstream\xfe")...),
		}},
	}
}

// TestSendRoundTrip sends an invoice over SMTP to maildev and reads it back
// through maildev's API: every part of the message arrives as sent.
func TestSendRoundTrip(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	md := startMaildev(ctx, t)
	msg := invoice("<invoice-42.T0LEDGER@atlas>")
	if err := newSender(t, md.SMTPConfig(from)).Send(ctx, msg); err != nil {
		t.Fatal(err)
	}
	emails, err := md.WaitForEmails(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(emails) != 1 {
		t.Fatalf("inbox has %d emails, want 1", len(emails))
	}
	got := emails[0]
	if got.Subject != msg.Subject {
		t.Errorf("subject %q, want %q", got.Subject, msg.Subject)
	}
	if len(got.From) != 1 || got.From[0].Address != "billing@ledger.test" || got.From[0].Name != "Ledger & Co" {
		t.Errorf("from %+v, want the configured sender", got.From)
	}
	if len(got.To) != 1 || got.To[0].Address != "ada@client.test" || got.To[0].Name != "Ada Lovelace" {
		t.Errorf("to %+v", got.To)
	}
	if len(got.CC) != 1 || got.CC[0].Address != "books@client.test" {
		t.Errorf("cc %+v", got.CC)
	}
	var envelope []string
	for _, a := range got.Envelope.To {
		envelope = append(envelope, a.Address)
	}
	if strings.Join(envelope, ",") != "ada@client.test,books@client.test" {
		t.Errorf("envelope recipients %v, want To and CC", envelope)
	}
	if id := got.Header("Message-ID"); id != "<invoice-42.T0LEDGER@atlas>" {
		t.Errorf("Message-ID %q, want the caller's", id)
	}
	if h := got.Header("X-Atlas-Invoice"); h != "INV-2024-042" {
		t.Errorf("X-Atlas-Invoice %q", h)
	}
	if strings.TrimRight(got.Text, "\n") != strings.TrimRight(msg.Text, "\n") {
		t.Errorf("text body %q, want %q", got.Text, msg.Text)
	}
	if got.HTML != msg.HTML {
		t.Errorf("html body %q, want %q", got.HTML, msg.HTML)
	}
	src, err := md.Source(ctx, got.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Reply-To: \"Park\" <park@ledger.test>", "multipart/alternative"} {
		if !bytes.Contains(src, []byte(want)) {
			t.Errorf("source lacks %q:\n%s", want, src)
		}
	}
	if bytes.Contains(src, []byte("go-mail")) {
		t.Errorf("the message names the library that sent it:\n%s", src)
	}

	if len(got.Attachments) != 1 {
		t.Fatalf("%d attachments, want 1", len(got.Attachments))
	}
	a := got.Attachments[0]
	if a.FileName != "INV-2024-042.pdf" || a.ContentType != "application/pdf" {
		t.Errorf("attachment %+v", a)
	}
	data, err := md.Attachment(ctx, got.ID, a)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(data, msg.Attachments[0].Data) {
		t.Errorf("attachment bytes\n got %q\nwant %q", data, msg.Attachments[0].Data)
	}
}

// TestServerDownThenBack is a retry as the invoice job makes it: while the
// mail server is down the send fails and may be tried again; once it is
// back, the same message goes through once, with the same Message-ID.
func TestServerDownThenBack(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	md := startMaildev(ctx, t)
	sender := newSender(t, md.SMTPConfig(from))
	msg := invoice("<invoice-43.T0LEDGER@atlas>")

	if err := md.Stop(); err != nil {
		t.Fatal(err)
	}
	err := sender.Send(ctx, msg)
	if err == nil {
		t.Fatal("Send succeeded with the server down")
	}
	if mail.IsPermanent(err) {
		t.Fatalf("a server that is down is a temporary failure: %v", err)
	}
	if r := mail.Reason(err); r != "" {
		t.Errorf("Reason %q for a server that said nothing", r)
	}
	if !strings.Contains(err.Error(), md.SMTPAddr()) {
		t.Errorf("the error does not name the server: %v", err)
	}

	if err := md.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if err := sender.Send(ctx, msg); err != nil {
		t.Fatalf("send after the server came back: %v", err)
	}
	emails, err := md.WaitForEmails(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(emails) != 1 {
		t.Fatalf("inbox has %d emails, want exactly 1", len(emails))
	}
	if id := emails[0].Header("Message-ID"); id != "<invoice-43.T0LEDGER@atlas>" {
		t.Errorf("Message-ID %q after the retry", id)
	}
}

// TestRefusals speaks to a server that refuses: a 5xx answer is permanent
// and carries the server's words; a 4xx answer is not permanent.
func TestRefusals(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name      string
		to        string
		setup     func(*mailtest.Server)
		permanent bool
		code      int
		reason    string
	}{
		{
			name: "unknown mailbox",
			to:   "gone@client.test",
			setup: func(s *mailtest.Server) {
				s.RefuseRecipient("gone@client.test", "550 5.1.1 <gone@client.test>: Recipient address rejected: User unknown")
			},
			permanent: true, code: 550,
			reason: "550 5.1.1 <gone@client.test>: Recipient address rejected: User unknown",
		},
		{
			name:      "policy after reading the message",
			to:        "ada@client.test",
			setup:     func(s *mailtest.Server) { s.RefuseMessages("554 5.7.1 Message rejected as spam") },
			permanent: true, code: 554,
			reason: "554 5.7.1 Message rejected as spam",
		},
		{
			name: "greylisted",
			to:   "ada@client.test",
			setup: func(s *mailtest.Server) {
				s.RefuseRecipient("ada@client.test", "451 4.7.1 Greylisted, try again in 5 minutes")
			},
			permanent: false, code: 451,
			reason: "451 4.7.1 Greylisted, try again in 5 minutes",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
			defer cancel()
			srv := mailtest.Start(t)
			tc.setup(srv)
			msg := invoice("<invoice-44.T0LEDGER@atlas>")
			msg.To, msg.CC = []string{tc.to}, nil
			err := newSender(t, srv.SMTPConfig(from)).Send(ctx, msg)
			if err == nil {
				t.Fatal("Send succeeded against a refusing server")
			}
			if got := mail.IsPermanent(err); got != tc.permanent {
				t.Errorf("IsPermanent = %v, want %v (%v)", got, tc.permanent, err)
			}
			if got := mail.Reason(err); got != tc.reason {
				t.Errorf("Reason = %q, want %q", got, tc.reason)
			}
			var e *mail.Error
			if !errors.As(err, &e) || e.Code != tc.code {
				t.Errorf("error %#v, want an *mail.Error with code %d", err, tc.code)
			}
			if !strings.Contains(err.Error(), tc.reason) {
				t.Errorf("the error does not quote the server: %v", err)
			}
			if n := len(srv.Accepted()); n != 0 {
				t.Errorf("the server accepted %d messages", n)
			}
		})
	}
}

// TestOneRecipientRefused: a single refused recipient stops the whole
// message (nobody gets half a send), and the reason names that recipient.
func TestOneRecipientRefused(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	srv := mailtest.Start(t)
	srv.RefuseRecipient("books@client.test", "550 5.1.1 <books@client.test>: no such user")
	err := newSender(t, srv.SMTPConfig(from)).Send(ctx, invoice("<invoice-45.T0LEDGER@atlas>"))
	if !mail.IsPermanent(err) {
		t.Fatalf("want a permanent failure, got %v", err)
	}
	if r := mail.Reason(err); !strings.Contains(r, "<books@client.test>: no such user") {
		t.Errorf("Reason %q does not say which recipient", r)
	}
	if n := len(srv.Accepted()); n != 0 {
		t.Errorf("the server accepted %d messages", n)
	}

	// The same server takes the message once the refused address is gone.
	msg := invoice("<invoice-45.T0LEDGER@atlas>")
	msg.CC = nil
	if err := newSender(t, srv.SMTPConfig(from)).Send(ctx, msg); err != nil {
		t.Fatal(err)
	}
	got := srv.Accepted()
	if len(got) != 1 || len(got[0].To) != 1 || got[0].To[0] != "ada@client.test" || got[0].From != "billing@ledger.test" {
		t.Fatalf("accepted %+v", got)
	}
	if !bytes.Contains(got[0].Data, []byte("Message-ID: <invoice-45.T0LEDGER@atlas>")) {
		t.Errorf("accepted message lacks its Message-ID:\n%s", got[0].Data)
	}
}

// TestSendRespectsContext: a server that takes the connection and then says
// nothing holds Send only until ctx ends, and the failure is temporary.
func TestSendRespectsContext(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	held := make(chan net.Conn, 1)
	go func() {
		if c, err := l.Accept(); err == nil {
			held <- c
		}
	}()
	t.Cleanup(func() {
		l.Close()
		select {
		case c := <-held:
			c.Close()
		default:
		}
	})
	cfg := config.SMTP{Host: "127.0.0.1", Port: l.Addr().(*net.TCPAddr).Port, From: from, TLS: "none"}
	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	err = newSender(t, cfg).Send(ctx, invoice("<invoice-46.T0LEDGER@atlas>"))
	elapsed := time.Since(start)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("want an error wrapping context.DeadlineExceeded, got %v", err)
	}
	if mail.IsPermanent(err) {
		t.Errorf("a timeout is temporary: %v", err)
	}
	if elapsed > 5*time.Second {
		t.Errorf("Send returned %v after its context ended", elapsed)
	}
}

// TestUnsendableMessages never reach a server: each is refused before
// dialling, as a permanent failure that says what is wrong.
func TestUnsendableMessages(t *testing.T) {
	t.Parallel()
	// Nothing listens here: a message that got as far as dialling would
	// fail as temporary, which the test would catch.
	sender := newSender(t, config.SMTP{Host: "127.0.0.1", Port: 1, From: from, TLS: "none"})
	ok := invoice("<invoice-47.T0LEDGER@atlas>")
	cases := []struct {
		name   string
		change func(*mail.Message)
		reason string
	}{
		{"no recipient", func(m *mail.Message) { m.To, m.CC = nil, nil }, "no recipient"},
		{"bad recipient", func(m *mail.Message) { m.To = []string{"not an address"} }, "recipient"},
		{"bad sender", func(m *mail.Message) { m.From = "@@" }, "sender"},
		{"no body", func(m *mail.Message) { m.Text, m.HTML = "", "" }, "no body"},
		{"message id without @", func(m *mail.Message) { m.MessageID = "<invoice-47>" }, "message id"},
		{"message id with a space", func(m *mail.Message) { m.MessageID = "<a b@atlas>" }, "message id"},
		{"header that a field owns", func(m *mail.Message) { m.Headers = map[string]string{"message-id": "<x@y>"} }, "header"},
		{"header with a line break", func(m *mail.Message) { m.Headers = map[string]string{"X-Note": "a\r\nBcc: eve@evil.test"} }, "line break"},
		{"attachment path", func(m *mail.Message) { m.Attachments[0].Name = "../etc/passwd" }, "attachment name"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := ok
			m.Attachments = append([]mail.Attachment(nil), ok.Attachments...)
			tc.change(&m)
			err := sender.Send(t.Context(), m)
			if !mail.IsPermanent(err) {
				t.Fatalf("want a permanent failure, got %v", err)
			}
			if r := mail.Reason(err); !strings.Contains(r, tc.reason) {
				t.Errorf("Reason %q does not mention %q", r, tc.reason)
			}
		})
	}
}

func TestNewSender(t *testing.T) {
	t.Parallel()
	if _, err := mail.NewSender(config.SMTP{Port: 587, From: from, TLS: "starttls"}); !errors.Is(err, mail.ErrNotConfigured) {
		t.Errorf("no host: %v, want ErrNotConfigured", err)
	}
	for _, cfg := range []config.SMTP{
		{Host: "smtp.example.com", Port: 0, From: from, TLS: "starttls"},
		{Host: "smtp.example.com", Port: 587, From: from, TLS: "ssl"},
		{Host: "smtp.example.com", Port: 587, From: "billing", TLS: "starttls"},
	} {
		if _, err := mail.NewSender(cfg); err == nil || errors.Is(err, mail.ErrNotConfigured) {
			t.Errorf("%+v: accepted or misreported (%v)", cfg, err)
		}
	}
	if _, err := mail.NewSender(config.SMTP{Host: "smtp.example.com", Port: 465, From: from, TLS: "tls", Username: "u", Password: "p"}); err != nil {
		t.Errorf("a valid config: %v", err)
	}
}

func TestIsPermanentOnOtherErrors(t *testing.T) {
	t.Parallel()
	for _, err := range []error{nil, errors.New("boom"), context.Canceled} {
		if mail.IsPermanent(err) || mail.Reason(err) != "" {
			t.Errorf("%v: permanent or with a reason", err)
		}
	}
}

// TestTLSAndLogin sends through a server that wants TLS and a login, in
// both TLS modes: the message arrives encrypted and under the login.
func TestTLSAndLogin(t *testing.T) {
	t.Parallel()
	for _, mode := range []string{"starttls", "tls"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
			defer cancel()
			srv := mailtest.StartWith(t, mailtest.Options{TLS: mode, Username: "atlas", Password: "s3cret-passw0rd"})
			sender := newSender(t, srv.SMTPConfig(from))
			mail.SetRootCAs(sender, srv.RootCAs())
			if err := sender.Send(ctx, invoice("<invoice-48.T0LEDGER@atlas>")); err != nil {
				t.Fatal(err)
			}
			got := srv.Accepted()
			if len(got) != 1 || !got[0].TLS || got[0].User != "atlas" {
				t.Fatalf("accepted %d messages; first over TLS %v as %q", len(got), len(got) > 0 && got[0].TLS, userOf(got))
			}
		})
	}
}

func userOf(ms []mailtest.Message) string {
	if len(ms) == 0 {
		return ""
	}
	return ms[0].User
}

// TestWrongPassword: a login the server refuses is a permanent failure
// that quotes the server, and the password appears nowhere in the error.
func TestWrongPassword(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	srv := mailtest.StartWith(t, mailtest.Options{TLS: "starttls", Username: "atlas", Password: "right-password"})
	cfg := srv.SMTPConfig(from)
	cfg.Password = "wrong-password-123"
	sender := newSender(t, cfg)
	mail.SetRootCAs(sender, srv.RootCAs())
	err := sender.Send(ctx, invoice("<invoice-49.T0LEDGER@atlas>"))
	if !mail.IsPermanent(err) {
		t.Fatalf("want a permanent failure, got %v", err)
	}
	if r := mail.Reason(err); !strings.HasPrefix(r, "535 ") || !strings.Contains(r, "Authentication credentials invalid") {
		t.Errorf("Reason %q", r)
	}
	if strings.Contains(err.Error(), "wrong-password-123") {
		t.Errorf("the error shows the password: %v", err)
	}
	if n := srv.AuthAttempts(); n != 1 {
		t.Errorf("%d login attempts, want 1", n)
	}
}

// TestNoPasswordInClearText: with TLS off, a server that offers only
// AUTH PLAIN is not sent the password.
func TestNoPasswordInClearText(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	srv := mailtest.StartWith(t, mailtest.Options{Username: "atlas", Password: "s3cret-passw0rd"})
	err := newSender(t, srv.SMTPConfig(from)).Send(ctx, invoice("<invoice-50.T0LEDGER@atlas>"))
	if err == nil {
		t.Fatal("Send logged in over plain text")
	}
	if n := srv.AuthAttempts(); n != 0 {
		t.Errorf("%d login attempts over plain text", n)
	}
}

// TestUntrustedCertificate: a server whose certificate does not verify gets
// no message.
func TestUntrustedCertificate(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	for _, mode := range []string{"starttls", "tls"} {
		srv := mailtest.StartWith(t, mailtest.Options{TLS: mode})
		err := newSender(t, srv.SMTPConfig(from)).Send(ctx, invoice("<invoice-51.T0LEDGER@atlas>"))
		if err == nil || !strings.Contains(err.Error(), "certificate") {
			t.Errorf("%s: want a certificate error, got %v", mode, err)
		}
		if n := len(srv.Accepted()); n != 0 {
			t.Errorf("%s: the server accepted %d messages", mode, n)
		}
	}
}
