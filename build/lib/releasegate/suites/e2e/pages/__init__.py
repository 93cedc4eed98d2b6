"""Page objects for promptlib, written against its data-testid attributes."""

from releasegate.suites.e2e.pages.auth import LoginPage, SignupPage
from releasegate.suites.e2e.pages.base import BasePage
from releasegate.suites.e2e.pages.explore import ExplorePage
from releasegate.suites.e2e.pages.pricing import PricingPage
from releasegate.suites.e2e.pages.prompt import MyPromptsPage, PromptForm, PromptPage

__all__ = [
    "BasePage",
    "ExplorePage",
    "LoginPage",
    "MyPromptsPage",
    "PricingPage",
    "PromptForm",
    "PromptPage",
    "SignupPage",
]
