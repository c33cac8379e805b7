# The signed-in browser tab of the Calls page's browser tests, shared until common browser
# fixtures exist.
from monitoring.tests.browser.test_calls_browser import page  # noqa: F401
