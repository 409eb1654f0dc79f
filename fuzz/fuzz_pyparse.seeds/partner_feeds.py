"""Partner feeds: one task group per partner, dynamic mapping, Airflow 2.7 style."""
from __future__ import annotations

from datetime import datetime, timedelta

from airflow import DAG
from airflow.decorators import task
from airflow.models.baseoperator import chain
from airflow.operators.bash import BashOperator
from airflow.providers.http.sensors.http import HttpSensor
from airflow.utils.task_group import TaskGroup

PARTNERS = ("acme", "globex", "initech")

with DAG(
    "partner_feeds",
    start_date=datetime(2024, 1, 1),
    schedule=timedelta(hours=4),
    catchup=False,
    default_args={"owner": "integrations", "retries": 3},
) as dag:
    ready = BashOperator(task_id="ready", bash_command="true")
    groups = []
    for partner in PARTNERS:
        with TaskGroup(group_id=f"{partner}_feed") as tg:
            ping = HttpSensor(task_id="ping", http_conn_id=f"{partner}_api", endpoint="health",
                              mode="reschedule", timeout=1800)

            @task
            def list_batches(name: str) -> list[str]:
                return [f"{name}-1", f"{name}-2"]

            @task
            def fetch(batch: str):
                return batch

            batches = list_batches(partner)
            ping >> batches
            fetch.expand(batch=batches)
        groups.append(tg)

    finish = BashOperator(task_id="finish", bash_command="true", trigger_rule="all_done")
    chain(ready, groups, finish)
