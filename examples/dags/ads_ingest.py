"""Hourly ingest of raw ad events from Kafka into the lake."""
from datetime import datetime

from airflow.decorators import dag, task


@dag(schedule="@hourly", start_date=datetime(2026, 1, 1), catchup=False,
     default_args={"owner": "ads-data", "retries": 3})
def ads_ingest():
    @task
    def consume_topic():
        return "s3://lake/raw/ads/"

    @task
    def land_raw(path):
        return path

    land_raw(consume_topic())


ads_ingest()
