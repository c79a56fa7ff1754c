"""Who is signed in to this browser session (read by every other ui module, importing none of them)."""
from __future__ import annotations

import streamlit as st

from access.users import User

USER_KEY = "_user"


def current_user() -> User | None:
    return st.session_state.get(USER_KEY)
