package slackfake

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"
	"time"
)

// SignRequest signs req the way Slack signs requests it sends to an app in
// HTTP mode (v0 scheme): X-Slack-Request-Timestamp is ts in Unix seconds and
// X-Slack-Signature is "v0=" + hex(HMAC-SHA256(secret, "v0:{ts}:{body}")).
// body must be exactly the bytes req will carry; SignRequest does not touch
// req.Body. Pass an old ts to test the bot's replay (5 minute) check.
func SignRequest(req *http.Request, signingSecret string, body []byte, ts time.Time) {
	stamp := strconv.FormatInt(ts.Unix(), 10)
	mac := hmac.New(sha256.New, []byte(signingSecret))
	mac.Write([]byte("v0:" + stamp + ":"))
	mac.Write(body)
	req.Header.Set("X-Slack-Request-Timestamp", stamp)
	req.Header.Set("X-Slack-Signature", "v0="+hex.EncodeToString(mac.Sum(nil)))
}
