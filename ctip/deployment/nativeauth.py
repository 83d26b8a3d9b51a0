"""NativeAuthenticator 1.3.0 (its latest release) on JupyterHub 6: JupyterHub 6 removed statsd,
which NativeAuthenticator's login form still times (``self.statsd.timer``), so every login
failed with an error 500. This subclass gives its login handler a no-op timer and lets the
error page render; everything else (sign-up, approval, throttling) is NativeAuthenticator's.
Drop it when NativeAuthenticator supports JupyterHub 6."""
from __future__ import annotations

from nativeauthenticator import NativeAuthenticator
from nativeauthenticator import handlers as native


class _NoTimer:
    def timer(self, *_a, **_k):
        return self

    def start(self):
        return self

    def stop(self, *_a, **_k):
        return None

    def incr(self, *_a, **_k):
        return None


class LoginHandler(native.LoginHandler):
    statsd = _NoTimer()

    def _render(self, login_error=None, username=None, **_ignored):
        return super()._render(login_error=login_error, username=username)


class CtipNativeAuthenticator(NativeAuthenticator):
    def get_handlers(self, app):
        return [(path, LoginHandler if handler is native.LoginHandler else handler)
                for path, handler in super().get_handlers(app)]
