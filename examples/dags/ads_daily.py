"""Daily ads pipeline: wait for the raw click logs, aggregate with Spark, load, report."""
from datetime import datetime, timedelta

from airflow import DAG
from airflow.operators.empty import EmptyOperator
from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator
from airflow.providers.common.sql.operators.sql import SQLExecuteQueryOperator
from airflow.sensors.external_task import ExternalTaskSensor

default_args = {
    "owner": "ads-data",
    "retries": 2,
    "retry_delay": timedelta(minutes=5),
}

with DAG(
    dag_id="ads_daily",
    schedule="0 6 * * *",
    start_date=datetime(2026, 1, 1),
    catchup=False,
    default_args=default_args,
    tags=["ads"],
) as dag:
    wait_for_ingest = ExternalTaskSensor(
        task_id="wait_for_ingest",
        external_dag_id="ads_ingest",
        external_task_id="land_raw",
        mode="reschedule",
        timeout=6 * 3600,
    )
    aggregate = SparkSubmitOperator(
        task_id="aggregate_clicks",
        application="/opt/jobs/aggregate_clicks.py",
        conn_id="spark_default",
        application_args=["--date", "{{ ds }}"],
    )
    load = SQLExecuteQueryOperator(
        task_id="load",
        conn_id="warehouse",
        sql="INSERT INTO ads.daily SELECT * FROM staging.clicks WHERE dt = '{{ ds }}'",
    )
    report = SQLExecuteQueryOperator(
        task_id="report",
        conn_id="warehouse",
        sql="CALL ads.refresh_dashboard('{{ ds }}')",
    )
    done = EmptyOperator(task_id="done")

    wait_for_ingest >> aggregate >> load >> [report, done]
