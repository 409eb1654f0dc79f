"""Orders ingestion: S3 sensor, Spark job, warehouse load, then triggers reporting."""
from datetime import datetime, timedelta

from airflow import DAG
from airflow.operators.trigger_dagrun import TriggerDagRunOperator
from airflow.providers.amazon.aws.sensors.s3 import S3KeySensor
from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator
from airflow.providers.postgres.operators.postgres import PostgresOperator

DEFAULT_ARGS = {
    "owner": "data-platform",
    "depends_on_past": False,
    "retries": 2,
    "retry_delay": timedelta(minutes=5),
}

with DAG(
    dag_id="ingest_orders",
    description="Load raw orders into the warehouse",
    default_args=DEFAULT_ARGS,
    schedule="0 2 * * *",
    start_date=datetime(2023, 6, 1),
    catchup=False,
    max_active_runs=1,
    tags=["orders", "spark"],
) as dag:
    wait_for_export = S3KeySensor(
        task_id="wait_for_export",
        bucket_name="raw-exports",
        bucket_key="orders/{{ ds }}/_SUCCESS",
        mode="reschedule",
        poke_interval=300,
        timeout=6 * 60 * 60,
    )

    clean = SparkSubmitOperator(
        task_id="clean_orders",
        application="/opt/jobs/clean_orders.py",
        conn_id="spark_default",
        application_args=["--date", "{{ ds }}"],
        executor_memory="4g",
        pool="spark",
        pool_slots=2,
    )

    load = PostgresOperator(
        task_id="load_orders",
        postgres_conn_id="warehouse",
        sql="sql/load_orders.sql",
        execution_timeout=timedelta(minutes=45),
    )

    trigger_reporting = TriggerDagRunOperator(
        task_id="trigger_reporting",
        trigger_dag_id="orders_reporting",
        wait_for_completion=False,
    )

    wait_for_export >> clean >> load >> trigger_reporting
