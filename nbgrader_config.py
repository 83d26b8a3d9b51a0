# nbgrader course configuration: the course is this repository.
# solutions/ = nbgrader source (instructor notebooks, keys), exercises/ = release (trainee copies);
# submitted/, autograded/, feedback/ and gradebook.db appear here when grading and are git-ignored.
import os

from ctip.delivery.course import configure

configure(get_config(), os.path.dirname(os.path.abspath(__file__)))  # noqa: F821
