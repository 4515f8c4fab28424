package maildev

import (
	"context"
	"errors"
	"net"
	"net/smtp"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
)

// start starts maildev for one test. A missing install fails the test: `make
// test` installs maildev first (mail-deps), so a skip would only hide it.
func start(ctx context.Context, t *testing.T) *Server {
	t.Helper()
	s, err := Start(ctx, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Stop(); err != nil {
			t.Errorf("stop: %v", err)
		}
	})
	return s
}

// send delivers a minimal message with the standard library's SMTP client,
// so these tests do not lean on the package under test elsewhere.
func send(t *testing.T, s *Server, to, subject string) {
	t.Helper()
	body := "From: atlas@ledger.test\r\nTo: " + to + "\r\nSubject: " + subject + "\r\nMessage-ID: <" + subject + "@atlas>\r\n\r\nHello.\r\n"
	if err := smtp.SendMail(s.SMTPAddr(), nil, "atlas@ledger.test", []string{to}, []byte(body)); err != nil {
		t.Fatal(err)
	}
}

func TestNotInstalled(t *testing.T) {
	t.Parallel()
	_, err := Start(t.Context(), Options{Root: t.TempDir()})
	if !errors.Is(err, ErrNotInstalled) {
		t.Fatalf("want ErrNotInstalled, got %v", err)
	}
	if !strings.Contains(err.Error(), "make mail-deps") {
		t.Errorf("the error does not say how to install: %v", err)
	}
}

func TestInbox(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	s := start(ctx, t)
	if !strings.HasPrefix(s.URL(), "http://127.0.0.1:") {
		t.Errorf("URL %q is not on loopback", s.URL())
	}

	send(t, s, "ada@client.test", "first")
	send(t, s, "bea@client.test", "second")
	emails, err := s.WaitForEmails(ctx, 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(emails) != 2 {
		t.Fatalf("%d emails, want 2", len(emails))
	}
	if emails[0].Subject != "first" || emails[1].Subject != "second" {
		t.Errorf("subjects %q, %q: want oldest first", emails[0].Subject, emails[1].Subject)
	}
	if len(emails[1].To) != 1 || emails[1].To[0].Address != "bea@client.test" {
		t.Errorf("to %+v", emails[1].To)
	}
	if id := emails[0].Header("message-id"); id != "<first@atlas>" {
		t.Errorf("Message-ID %q", id)
	}
	src, err := s.Source(ctx, emails[0].ID)
	if err != nil || !strings.Contains(string(src), "Subject: first") {
		t.Errorf("source %q (%v)", src, err)
	}

	if err := s.DeleteAll(ctx); err != nil {
		t.Fatal(err)
	}
	if emails, err := s.Emails(ctx); err != nil || len(emails) != 0 {
		t.Fatalf("after DeleteAll: %d emails (%v)", len(emails), err)
	}

	// Waiting for mail that never comes ends with ctx and says what arrived.
	short, cancelShort := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancelShort()
	_, err = s.WaitForEmails(short, 1)
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "0 in the inbox") {
		t.Errorf("waiting on an empty inbox: %v", err)
	}
}

// TestStopAndStartAgain: Stop leaves nothing listening and no process
// behind; Start brings the server back on the same ports with an empty inbox.
func TestStopAndStartAgain(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	s := start(ctx, t)
	send(t, s, "ada@client.test", "before")
	if _, err := s.WaitForEmails(ctx, 1); err != nil {
		t.Fatal(err)
	}
	s.mu.Lock()
	pid := s.proc.cmd.Process.Pid
	tmp := s.proc.tmp
	s.mu.Unlock()

	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := s.Stop(); err != nil {
		t.Fatalf("a second Stop: %v", err)
	}
	for _, addr := range []string{s.SMTPAddr(), strings.TrimPrefix(strings.TrimSuffix(s.URL(), "/"), "http://")} {
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.Close()
			t.Errorf("%s still accepts connections after Stop", addr)
		}
	}
	if err := syscall.Kill(-pid, 0); !errors.Is(err, syscall.ESRCH) {
		t.Errorf("process group %d is still there after Stop (%v)", pid, err)
	}
	if _, err := os.Stat(tmp); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("scratch directory %s left behind (%v)", tmp, err)
	}

	addr, url := s.SMTPAddr(), s.URL()
	if err := s.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.Start(ctx); err != nil {
		t.Fatalf("Start on a running server: %v", err)
	}
	if s.SMTPAddr() != addr || s.URL() != url {
		t.Errorf("ports moved: %s %s, were %s %s", s.SMTPAddr(), s.URL(), addr, url)
	}
	if emails, err := s.Emails(ctx); err != nil || len(emails) != 0 {
		t.Errorf("after a restart: %d emails (%v), want an empty inbox", len(emails), err)
	}
	send(t, s, "ada@client.test", "after")
	emails, err := s.WaitForEmails(ctx, 1)
	if err != nil || len(emails) != 1 || emails[0].Subject != "after" {
		t.Fatalf("after a restart: %+v (%v)", emails, err)
	}
}
