#include "adapters/bus/kafka/mock_cluster.hpp"

#include <algorithm>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include "adapters/bus/kafka/kafka_event_bus.hpp"

namespace mb::adapters::bus::kafka {

struct MockCluster::Impl {
    rd_kafka_t* host = nullptr;  ///< the client instance librdkafka needs to own the cluster
    rd_kafka_mock_cluster_t* cluster = nullptr;
};

MockCluster::MockCluster(int brokers, const std::string& topic, int partitions)
    : impl_(std::make_unique<Impl>()) {
    if (brokers < 1)
        throw KafkaError("the mock cluster needs at least one broker");
    char error[512];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    if (rd_kafka_conf_set(conf, "log_level", "3", error, sizeof error) != RD_KAFKA_CONF_OK) {
        rd_kafka_conf_destroy(conf);
        throw KafkaError(std::string("mock cluster: ") + error);
    }
    impl_->host = rd_kafka_new(RD_KAFKA_PRODUCER, conf, error, sizeof error);
    if (impl_->host == nullptr) {
        rd_kafka_conf_destroy(conf);
        throw KafkaError(std::string("mock cluster host: ") + error);
    }
    impl_->cluster = rd_kafka_mock_cluster_new(impl_->host, brokers);
    if (impl_->cluster == nullptr) {
        rd_kafka_destroy(impl_->host);
        throw KafkaError("librdkafka could not start a mock cluster");
    }
    const auto err =
        rd_kafka_mock_topic_create(impl_->cluster, topic.c_str(), partitions, std::min(brokers, 3));
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        rd_kafka_mock_cluster_destroy(impl_->cluster);
        rd_kafka_destroy(impl_->host);
        throw KafkaError("mock cluster: cannot create topic " + topic + ": " +
                         rd_kafka_err2str(err));
    }
}

MockCluster::~MockCluster() {
    rd_kafka_mock_cluster_destroy(impl_->cluster);
    rd_kafka_destroy(impl_->host);
}

std::string MockCluster::bootstraps() const {
    return rd_kafka_mock_cluster_bootstraps(impl_->cluster);
}

void MockCluster::set_down(std::int32_t id) {
    rd_kafka_mock_broker_set_down(impl_->cluster, id);
}

void MockCluster::set_up(std::int32_t id) {
    rd_kafka_mock_broker_set_up(impl_->cluster, id);
}

}  // namespace mb::adapters::bus::kafka
