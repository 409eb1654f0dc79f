# Task groups: context manager, nested groups, prefix_group_id=False, @task_group, group default_args.
from datetime import datetime

from airflow.models.dag import DAG
from airflow.operators.empty import EmptyOperator
from airflow.decorators import task, task_group
from airflow.utils.task_group import TaskGroup

with DAG("groups", start_date=datetime(2024, 1, 1), schedule="@daily", default_args={"retries": 1}) as dag:
    start = EmptyOperator(task_id="start")

    with TaskGroup("ingest", default_args={"retries": 4, "pool": "ingest"}) as ingest:
        a = EmptyOperator(task_id="a")
        with TaskGroup("inner") as inner:
            b = EmptyOperator(task_id="b")
            c = EmptyOperator(task_id="c", retries=0)
            b >> c
        a >> inner

    with TaskGroup("flat", prefix_group_id=False) as flat:
        d = EmptyOperator(task_id="d")

    @task_group(group_id="publish")
    def publish_group():
        @task
        def upload():
            return 1

        @task
        def notify(x):
            return x

        notify(upload())

    end = EmptyOperator(task_id="end")
    start >> ingest >> flat >> publish_group() >> end
