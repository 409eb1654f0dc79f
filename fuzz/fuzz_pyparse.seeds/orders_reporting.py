"""Reporting on orders, waits for the ingestion DAG's load task (Airflow 2 TaskFlow + sensors)."""
import pendulum

from airflow.decorators import dag, task
from airflow.sensors.external_task import ExternalTaskSensor
from airflow.operators.empty import EmptyOperator
from airflow.utils.trigger_rule import TriggerRule


@dag(
    dag_id="orders_reporting",
    schedule=None,
    start_date=pendulum.datetime(2023, 6, 1, tz="UTC"),
    catchup=False,
    default_args={"owner": "bi", "retries": 1},
)
def reporting():
    wait_load = ExternalTaskSensor(
        task_id="wait_for_load",
        external_dag_id="ingest_orders",
        external_task_id="load_orders",
        mode="reschedule",
        timeout=3600,
    )

    @task.branch(task_id="pick_report")
    def pick(**context):
        return "daily_report"

    @task
    def daily_report():
        return "daily"

    @task
    def weekly_report():
        return "weekly"

    publish = EmptyOperator(task_id="publish", trigger_rule=TriggerRule.NONE_FAILED_MIN_ONE_SUCCESS)

    wait_load >> pick() >> [daily_report(), weekly_report()] >> publish


reporting()
