"""The one-line problem page: an old or foreign database, or a rules file that was refused."""

import streamlit as st

from dashboard import components, data

st.title("Dozhim")
problem = st.session_state.get(data.PROBLEM_KEY)
if isinstance(problem, BaseException):
    components.error(problem)
