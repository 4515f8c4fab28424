package mail

import "crypto/x509"

// SetRootCAs makes s trust the certificates roots signs, so tests can speak
// TLS to a server with a certificate of its own.
func SetRootCAs(s *Sender, roots *x509.CertPool) { s.tls.RootCAs = roots }
