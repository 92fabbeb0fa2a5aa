// movie-booking-kafka-mock: librdkafka's mock cluster as its own process, so it outlives the
// application it serves (the e2e suite kills the application with -9 and restarts it against
// the same cluster). In memory, for tests and demos only.
//
// Prints "bootstrap <host:port,...>" on stdout once the topic exists, then reads commands on
// stdin, one per line: "down <broker id|-1>", "up <broker id|-1>". Exits on EOF or "quit".
#include <iostream>
#include <string>

#include <CLI/CLI.hpp>

#include "adapters/bus/kafka/kafka_event_bus.hpp"
#include "adapters/bus/kafka/mock_cluster.hpp"

int main(int argc, char** argv) {
    CLI::App app{"librdkafka's in-memory mock Kafka cluster (tests and demos only)",
                 "movie-booking-kafka-mock"};
    int brokers = 1;
    int partitions = 4;
    std::string topic = "movie";
    app.add_option("--brokers", brokers, "Brokers (ids 1..N)")->check(CLI::Range(1, 16));
    app.add_option("--topic", topic, "Topic to create");
    app.add_option("--partitions", partitions, "Partitions of the topic")
        ->check(CLI::Range(1, 256));
    CLI11_PARSE(app, argc, argv);
    try {
        mb::adapters::bus::kafka::MockCluster cluster(brokers, topic, partitions);
        std::cout << "bootstrap " << cluster.bootstraps() << std::endl;
        std::string command;
        std::int32_t id = 0;
        while (std::cin >> command) {
            if (command == "quit")
                break;
            if ((command == "down" || command == "up") && std::cin >> id) {
                if (command == "down") {
                    cluster.set_down(id);
                } else {
                    cluster.set_up(id);
                }
                std::cout << "ok " << command << ' ' << id << std::endl;
            } else {
                std::cout << "error: expected 'down <id>', 'up <id>' or 'quit'" << std::endl;
                std::cin.clear();
            }
        }
    } catch (const std::exception& e) {
        std::cerr << "movie-booking-kafka-mock: " << e.what() << '\n';
        return 1;
    }
    return 0;
}
