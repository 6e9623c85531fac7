"""The first-run page: no database file yet, so say how to make one."""

import streamlit as st

from dashboard import data
from dashboard.i18n import t

st.title(t("setup_title"))
st.write(t("setup_body", db=data.db_missing_path()))
st.code("python -m connectors.bitrix24 sync --webhook https://<portal>.bitrix24.ru/rest/<user>/<code>/",
        language="bash")
st.write(t("setup_demo"))
st.code("make demo", language="bash")
st.info(t("setup_env"), icon=":material/info:")
