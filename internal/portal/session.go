package portal

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"mime"
	"net/http"
)

// cookieName is the session cookie: it holds the sign-in link's signed
// token, so revoking or expiring the link ends the session too.
const cookieName = "atlas_portal"

// csrfField is the hidden form field carrying the session's CSRF token.
const csrfField = "csrf"

func setSession(w http.ResponseWriter, r *http.Request, token string) {
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: token, Path: "/portal", HttpOnly: true,
		Secure: !isLocal(r), SameSite: http.SameSiteLaxMode, MaxAge: int(LinkLife.Seconds())})
}

func clearCookie(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: "", Path: "/portal", HttpOnly: true,
		Secure: !isLocal(r), SameSite: http.SameSiteLaxMode, MaxAge: -1})
}

// csrfToken is the session's form token: an HMAC of its session token, so
// it needs no storage and changes with each sign-in.
func (h *Handler) csrfToken(session string) string {
	m := hmac.New(sha256.New, h.deps.Signer.Secret)
	m.Write([]byte("portal-csrf\x00"))
	m.Write([]byte(session))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// csrfOK checks the token field of a URL-encoded POST. A multipart
// upload carries the same field as its first part, which the upload checks
// before it reads any file.
func (h *Handler) csrfOK(r *http.Request, session string) bool {
	if mediaType(r.Header.Get("Content-Type")) != "application/x-www-form-urlencoded" {
		return false
	}
	return h.csrfEqual(r.PostFormValue(csrfField), session)
}

func (h *Handler) csrfEqual(got, session string) bool {
	return got != "" && hmac.Equal([]byte(got), []byte(h.csrfToken(session)))
}

func mediaType(ct string) string {
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return ""
	}
	return mt
}
